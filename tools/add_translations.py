"""Merge translation keys into audit/locales/{en,zh}.json (read-modify-write, sorted).

Usage: python tools/add_translations.py FILE.json   where FILE holds {"key": ["english", "中文"], ...}
"""

import json
import sys
from pathlib import Path

LOCALES = Path(__file__).resolve().parent.parent / "audit" / "locales"


def merge(pairs: dict[str, list[str]]) -> None:
    for index, lang in enumerate(("en", "zh")):
        path = LOCALES / f"{lang}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        data.update({key: texts[index] for key, texts in pairs.items()})
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    merge(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
