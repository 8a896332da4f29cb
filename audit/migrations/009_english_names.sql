-- English names for master data kept in the local language (issue 13): a store's city and a person's display
-- name. Optional: English views show them when present, the local name otherwise (audit/i18n.py). A city is
-- a store's text field, so its English name sits beside it on the store, filled by the same import row.
ALTER TABLE stores ADD COLUMN city_en VARCHAR;
ALTER TABLE users ADD COLUMN display_name_en VARCHAR;
