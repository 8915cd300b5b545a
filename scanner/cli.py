"""`python main.py decode FILE… [--json]`: the scanner pipeline over pictures and videos.

Implements the decode contract of cli.md: one result per file in order, exit 0 when
every file gave a code and 1 when some gave none. A missing or unreadable file counts
as no code and gets one calm line on stderr, never a traceback.
"""

from __future__ import annotations

import json
import sys
import time
from typing import TextIO

from domain.errors import KioskError


def decode_command(files: list[str], as_json: bool, out: TextIO = sys.stdout) -> int:
    """Decode each file and print its texts (or JSON); return the exit status."""
    from scanner.files import decode_path

    results: list[dict[str, object]] = []
    all_found = True
    for name in files:
        start = time.perf_counter()
        try:
            texts = decode_path(name)
        except KioskError as err:
            print(f"{name}: {err.message}", file=sys.stderr)
            texts = []
        ms = round((time.perf_counter() - start) * 1000, 1)
        all_found = all_found and bool(texts)
        results.append({"file": name, "texts": texts, "ms": ms})
        if not as_json:
            if texts:
                for text in texts:
                    print(f"{name}: {text}", file=out)
            else:
                print(f"{name}: no QR code found", file=out)
    if as_json:
        json.dump({"results": results}, out, ensure_ascii=False)
        out.write("\n")
    return 0 if all_found else 1
