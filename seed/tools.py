"""Key and credential tooling for rehearsals and integrators.

    python -m seed.tools keygen --alg Ed25519|ES256|SM2 --name NAME --out DIR
    python -m seed.tools idkey --out FILE       a new ID-index key (32 random bytes, mode 0600)
    python -m seed.tools trustlist --root ROOT.pem --sequence N --out trustlist.json \
        --issuer PUB.pem:410000:河南省卫生健康委员会 [--issuer …] --publisher PUB.pem:000000:发布方
    python -m seed.tools issue --key ISSUER.pem --iss 410000 --registry EXPORT_DIR \
        (--cert-no NO [--kind physician|nurse] | --reg-no NO) [--png FILE]

`trustlist` writes trustlist.json and trustlist.json.sig beside it (each key's algorithm, and
the root's, follows from its PEM: an SM2 root signs with SM2); `issue` prints the YZ1 payload
text (and writes a QR PNG with --png), signed with the key's algorithm (alg -65537 for SM2).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from domain import idkey
from domain.errors import KioskError
from seed import keys as keytool
from seed.issue import issue, licence_for_institution, licence_for_practitioner, qr_png
from wire import trust
from wire.keys import read_private, read_public


def _keygen(a: argparse.Namespace) -> int:
    private, public = keytool.write_pair(keytool.generate(a.alg), Path(a.out), a.name)
    print(f"{private}\n{public}")
    return 0


def _idkey(a: argparse.Namespace) -> int:
    out = Path(a.out)
    if out.exists():
        print(f"seed.tools: {out} exists: refusing to replace a key", file=sys.stderr)
        return 2
    idkey.write(out, idkey.generate())
    print(out)
    return 0


def _spec(text: str, role: str, a: argparse.Namespace) -> dict[str, object]:
    path, authority, name = (text.split(":", 2) + ["", ""])[:3]
    return trust.entry(
        read_public(Path(path)),
        role=role,
        authority=authority or "000000",
        authority_name=name,
        not_before=a.not_before,
        not_after=a.not_after,
    )


def _trustlist(a: argparse.Namespace) -> int:
    entries = [_spec(s, "issuer", a) for s in a.issuer] + [
        _spec(s, "publisher", a) for s in a.publisher
    ]
    issued = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    data, sig = trust.build(a.sequence, issued, entries, read_private(Path(a.root)))
    out = Path(a.out)
    out.write_bytes(data)
    out.with_name(out.name + ".sig").write_text(sig, "ascii")
    print(out)
    return 0


def _find(path: Path, key: str, value: str, kind: str | None = None) -> dict[str, object] | None:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            rec: dict[str, object] = json.loads(line)
            if rec.get(key) == value and (kind is None or rec.get("kind") == kind):
                return rec
    return None


def _issue(a: argparse.Namespace) -> int:
    export = Path(a.registry)
    if a.reg_no:
        rec = _find(export / "institutions.ndjson", "reg_no", a.reg_no)
        if rec is None:
            raise KioskError(f"no institution {a.reg_no} in the export")
        lic = licence_for_institution(rec)
    else:
        rec = _find(export / "practitioners.ndjson", "cert_no", a.cert_no, a.kind)
        if rec is None:
            raise KioskError(f"no {a.kind} {a.cert_no} in the export")
        insts = {}
        with (export / "institutions.ndjson").open(encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                insts[r["reg_no"]] = r
        filings = []
        with (export / "filings.ndjson").open(encoding="utf-8") as fh:
            for line in fh:
                f = json.loads(line)
                if f["cert_no"] == a.cert_no and f["kind"] == a.kind:
                    filings.append(f)
        lic = licence_for_practitioner(rec, insts, filings)
    iat = a.iat if a.iat is not None else int(dt.datetime.now(dt.UTC).timestamp())
    text = issue(lic, read_private(Path(a.key)), iss=a.iss, iat=iat, exp=a.exp)
    if a.png:
        qr_png(text, Path(a.png))
    print(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m seed.tools`."""
    p = argparse.ArgumentParser(prog="python -m seed.tools", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    k = sub.add_parser("keygen")
    k.add_argument("--alg", choices=list(keytool.ALGS), default="Ed25519")
    k.add_argument("--name", required=True)
    k.add_argument("--out", required=True)
    d = sub.add_parser("idkey")
    d.add_argument("--out", required=True)
    t = sub.add_parser("trustlist")
    t.add_argument("--root", required=True)
    t.add_argument("--sequence", type=int, required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--issuer", action="append", default=[], metavar="PUB.pem:CODE:NAME")
    t.add_argument("--publisher", action="append", default=[], metavar="PUB.pem:CODE:NAME")
    t.add_argument("--not-before", default="2024-01-01T00:00:00Z")
    t.add_argument("--not-after", default="2031-12-31T23:59:59Z")
    i = sub.add_parser("issue")
    i.add_argument("--key", required=True)
    i.add_argument("--iss", required=True)
    i.add_argument("--registry", required=True)
    g = i.add_mutually_exclusive_group(required=True)
    g.add_argument("--cert-no")
    g.add_argument("--reg-no")
    i.add_argument("--kind", choices=["physician", "nurse"], default="physician")
    i.add_argument("--iat", type=int)
    i.add_argument("--exp", type=int)
    i.add_argument("--png")
    a = p.parse_args(argv)
    try:
        commands = {"keygen": _keygen, "idkey": _idkey, "trustlist": _trustlist, "issue": _issue}
        return commands[a.command](a)
    except (KioskError, OSError) as err:
        print(f"seed.tools: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
