"""What a dashboard shows: a date range and store / product attributes, as SQL conditions."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta


@dataclass(frozen=True)
class DashboardFilters:
    date_from: date
    date_to: date
    regions: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()
    dealers: tuple[str, ...] = ()
    merchandisers: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    store: str | None = None

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> DashboardFilters:
        """The period of equal length just before this one, same everything else."""
        return replace(self, date_from=self.date_from - timedelta(days=self.days),
                       date_to=self.date_from - timedelta(days=1))

    def store_where(self, alias: str = "s") -> tuple[str, list]:
        clauses, params = [], []
        for column, values in (("region_code", self.regions), ("channel", self.channels), ("grade", self.grades),
                               ("dealer_code", self.dealers)):
            if values:
                clauses.append(f"list_contains(?, {alias}.{column})")
                params.append(list(values))
        if self.store:
            clauses.append(f"{alias}.code = ?")
            params.append(self.store)
        return " AND ".join(clauses) or "TRUE", params

    def audit_where(self, audits: str = "a", stores: str = "s") -> tuple[str, list]:
        """Conditions on audits (date, merchandiser) joined to their stores."""
        clauses, params = [f"{audits}.visit_date BETWEEN ? AND ?"], [self.date_from, self.date_to]
        if self.merchandisers:
            clauses.append(f"list_contains(?, {audits}.merchandiser)")
            params.append(list(self.merchandisers))
        store_sql, store_params = self.store_where(stores)
        return " AND ".join([*clauses, store_sql]), [*params, *store_params]

    def sku_where(self, alias: str = "k") -> tuple[str, list]:
        """Conditions on products (category, brand): the SKU-level components count only these."""
        clauses, params = [], []
        for column, values in (("category", self.categories), ("brand", self.brands)):
            if values:
                clauses.append(f"list_contains(?, {alias}.{column})")
                params.append(list(values))
        return " AND ".join(clauses) or "TRUE", params

    @property
    def narrows_products(self) -> bool:
        return bool(self.categories or self.brands)
