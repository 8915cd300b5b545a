"""sync over HTTP from a real server on 127.0.0.1: delta and snapshot, resume with Range after a cut
connection, and a closed port, a stalled server, a captive portal and half-written downloads refused
with the home unchanged."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sync.conftest import (
    Chain,
    CopyBundle,
    home_state,
    installed,
    replica_rows,
    run_main,
    sequence_of,
)

PORTAL = b"<!DOCTYPE html><html><head><title>Wi-Fi login</title></head><body>Log in</body></html>"


class BundleServer(http.server.ThreadingHTTPServer):
    """Serves a bundle folder with Range support, and misbehaves on request.

    cut[name] = n: the next n responses for `name` send the headers and half the body, then
    hang up (stall=True: then say nothing more and keep the connection open).
    portal: names ("*" for all) answered with a captive portal's login page.
    pace: seconds of pause after each 64 KiB of a body (a slow line), 0 for none.
    """

    daemon_threads = True

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = root
        self.requests: list[tuple[str, str | None]] = []
        self.sent: dict[str, int] = {}
        self.cut: dict[str, int] = {}
        self.stall = False
        self.portal: set[str] = set()
        self.ignore_range = False
        self.chunked = False
        self.pace = 0.0
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/bundle/"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: BundleServer

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        srv = self.server
        name = self.path.removeprefix("/bundle/")
        rng = self.headers.get("Range")
        srv.requests.append((name, rng))
        if name in srv.portal or "*" in srv.portal:
            self._send(200, PORTAL, "text/html")
            return
        path = srv.root / name
        if "/" in name or not path.is_file():
            self._send(404, b"not found", "text/plain")
            return
        data = path.read_bytes()
        if srv.ignore_range:
            rng = None
        if srv.chunked:
            self._chunked(name, data)
            return
        start = int(rng.removeprefix("bytes=").rstrip("-")) if rng else 0
        body = data[start:]
        self.send_response(206 if rng else 200)
        if rng:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if srv.cut.get(name, 0) > 0:
            srv.cut[name] -= 1
            body = body[: len(body) // 2]
            self.wfile.write(body)
            self.wfile.flush()
            srv.sent[name] = srv.sent.get(name, 0) + len(body)
            if srv.stall:
                srv.release.wait(30)
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        for i in range(0, len(body), 65536) if srv.pace else (0,):
            piece = body[i : i + 65536] if srv.pace else body
            try:
                self.wfile.write(piece)
            except (BrokenPipeError, ConnectionResetError):
                return  # the client went away (killed)
            srv.sent[name] = srv.sent.get(name, 0) + len(piece)
            time.sleep(srv.pace)

    def _chunked(self, name: str, data: bytes) -> None:
        """HTTP/1.1 chunked transfer, as a proxy or dynamic server sends; honours `cut`."""
        self.protocol_version = "HTTP/1.1"
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        cut = self.server.cut.get(name, 0) > 0
        body = data[: len(data) // 2] if cut else data
        for i in range(0, len(body), 65536):
            piece = body[i : i + 65536]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        if cut:
            self.server.cut[name] -= 1
            self.wfile.write(b"10000\r\npartial")  # a chunk announced, then the line drops
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(b"0\r\n\r\n")

    def _send(self, code: int, body: bytes, ctype: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


Serve = Callable[..., "BundleServer"]


@pytest.fixture
def serve() -> Iterator[Serve]:
    servers: list[BundleServer] = []

    def start(root: Path, tls: Any = None) -> BundleServer:
        srv = BundleServer(root)
        if tls is not None:
            srv.socket = tls.wrap_socket(srv.socket, server_side=True)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.release.set()
        srv.shutdown()
        srv.server_close()


def _sync(home: Path, source: Any) -> Any:
    from kiosk.home import Home
    from kiosk.sync import sync

    return sync(Home(home), source)


def test_delta_and_snapshot_over_http(
    chain: Chain, home1: Path, fresh_home: Path, serve: Serve
) -> None:
    srv = serve(chain.bundles[3])
    proc = run_main("--home", str(home1), "sync", srv.url)
    assert proc.returncode == 0, proc.stderr
    assert "delta" in proc.stdout
    assert not any(n.startswith("snapshot") for n, _ in srv.requests)
    snap = _sync(fresh_home, srv.url)
    assert (snap.method, snap.to_sequence) == ("snapshot", 3)
    assert replica_rows(installed(home1)) == replica_rows(installed(fresh_home))
    before, count = home_state(home1), len(srv.requests)
    again = run_main("--home", str(home1), "sync", srv.url.rstrip("/"))
    assert again.returncode == 0, again.stderr
    assert home_state(home1) == before
    assert {n for n, _ in srv.requests[count:]} <= {
        "manifest.json",
        "manifest.json.sig",
        "trustlist.json",
        "trustlist.json.sig",
    }


def test_interrupted_snapshot_download_resumes_with_range(
    chain: Chain, home1: Path, serve: Serve
) -> None:
    from domain.errors import SourceUnavailableError

    srv = serve(chain.snap2)
    snap = next(chain.snap2.glob("snapshot-*")).name
    size = (chain.snap2 / snap).stat().st_size
    assert size > 2_000_000
    srv.cut[snap] = 1
    before = home_state(home1)
    with pytest.raises(SourceUnavailableError, match="sync again to resume"):
        _sync(home1, srv.url)
    assert home_state(home1) == before
    partial = (home1 / "staging" / snap).stat().st_size
    assert 0 < partial < size
    result = _sync(home1, srv.url)
    assert (result.method, result.to_sequence) == ("snapshot", 2)
    assert [r for n, r in srv.requests if n == snap] == [None, f"bytes={partial}-"]
    assert srv.sent[snap] == size  # half, then the rest: nothing downloaded twice
    assert not list((home1 / "staging").iterdir())


def test_a_spoilt_partial_download_is_fetched_again_whole(
    chain: Chain, home1: Path, serve: Serve
) -> None:
    """A partial file whose bytes are wrong (power cut before the data reached the disk)."""
    srv = serve(chain.snap2)
    snap = next(chain.snap2.glob("snapshot-*")).name
    (home1 / "staging").mkdir(exist_ok=True)
    (home1 / "staging" / snap).write_bytes(b"\0" * 100_000)
    result = _sync(home1, srv.url)
    assert (result.method, result.to_sequence) == ("snapshot", 2)
    assert [r for n, r in srv.requests if n == snap] == ["bytes=100000-", None]


def _refused(home: Path, url: str, words: str, timeout: float = 60) -> str:
    before = home_state(home)
    proc = run_main("--home", str(home), "sync", url, timeout=timeout)
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    assert words in proc.stderr, proc.stderr
    assert home_state(home) == before
    return proc.stderr


def test_unreachable_url_is_refused(home1: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _refused(home1, f"http://127.0.0.1:{port}/bundle/", "cannot reach")


def test_stalled_server_times_out(home1: Path) -> None:
    from domain.errors import SourceUnavailableError
    from kiosk.fetch import HttpSource

    with socket.socket() as s:  # accepts connections (the kernel does), never answers
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        before = home_state(home1)
        began = time.monotonic()
        with pytest.raises(SourceUnavailableError):
            _sync(home1, HttpSource(f"http://127.0.0.1:{s.getsockname()[1]}/", timeout=0.5))
        assert time.monotonic() - began < 5
        assert home_state(home1) == before


def test_server_stalling_mid_download_times_out(chain: Chain, home1: Path, serve: Serve) -> None:
    from domain.errors import SourceUnavailableError
    from kiosk.fetch import HttpSource

    srv = serve(chain.snap2)
    srv.stall = True
    snap = next(chain.snap2.glob("snapshot-*")).name
    srv.cut[snap] = 1
    before = home_state(home1)
    began = time.monotonic()
    with pytest.raises(SourceUnavailableError, match="interrupted"):
        _sync(home1, HttpSource(srv.url, timeout=0.5))
    assert time.monotonic() - began < 5
    assert home_state(home1) == before
    srv.release.set()
    assert _sync(home1, srv.url).to_sequence == 2


@pytest.mark.parametrize("where", ["manifest.json", "*"])
def test_captive_portal_is_refused(where: str, chain: Chain, home1: Path, serve: Serve) -> None:
    srv = serve(chain.bundles[2])
    srv.portal.add(where)
    _refused(home1, srv.url, "web page")


def test_half_written_download_is_refused(chain: Chain, home1: Path, serve: Serve) -> None:
    """The connection drops half-way every time: the CLI refuses and says it can resume."""
    srv = serve(chain.snap2)
    snap = next(chain.snap2.glob("snapshot-*")).name
    srv.cut[snap] = 1000
    _refused(home1, srv.url, "sync again to resume")
    _refused(home1, srv.url, "sync again to resume")
    assert sequence_of(installed(home1)) == 1


def test_missing_file_on_server_is_refused(
    chain: Chain, home1: Path, serve: Serve, copy_bundle: CopyBundle
) -> None:
    bundle = copy_bundle(chain.bundles[2])
    next(bundle.glob("delta-*")).unlink()
    srv = serve(bundle)
    _refused(home1, srv.url, "HTTP 404")


@pytest.mark.parametrize("which", ["snapshot", "delta"])
def test_a_corrupt_file_served_whole_is_refused(
    which: str, chain: Chain, home1: Path, serve: Serve, copy_bundle: CopyBundle
) -> None:
    """A server (or a CDN's cache) that serves a file of the right size with a byte changed:
    the download's own hash check refuses it, the home is unchanged, the good bundle syncs."""
    bundle = copy_bundle(chain.snap2 if which == "snapshot" else chain.bundles[2])
    path = next(bundle.glob(f"{which}-*"))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40
    path.write_bytes(bytes(data))
    _refused(home1, serve(bundle).url, "SHA-256 mismatch")
    good = serve(chain.snap2 if which == "snapshot" else chain.bundles[2])
    assert _sync(home1, good.url).to_sequence == 2


def test_full_disk_while_downloading_over_http(chain: Chain, home1: Path, serve: Serve) -> None:
    from tests.sync.test_sync import _limit_file_size

    srv = serve(chain.snap2)
    before = home_state(home1)
    proc = run_main("--home", str(home1), "sync", srv.url, preexec=_limit_file_size(1 << 20))
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "File too large" in proc.stderr, proc.stderr
    assert home_state(home1) == before
    assert _sync(home1, srv.url).to_sequence == 2


def test_server_ignoring_range_still_completes(chain: Chain, home1: Path, serve: Serve) -> None:
    from domain.errors import SourceUnavailableError

    srv = serve(chain.snap2)
    snap = next(chain.snap2.glob("snapshot-*")).name
    srv.cut[snap] = 1
    srv.ignore_range = True
    with pytest.raises(SourceUnavailableError):
        _sync(home1, srv.url)
    result = _sync(home1, srv.url)
    assert (result.method, result.to_sequence) == ("snapshot", 2)
    assert (
        replica_rows(installed(home1))["meta"] == replica_rows(_snapshot_db(chain, home1))["meta"]
    )


def _snapshot_db(chain: Chain, home: Path) -> Path:
    import zstandard

    out = home / "ref.db"
    with (chain.snap2 / "snapshot-00000002.db.zst").open("rb") as fin, out.open("wb") as fout:
        zstandard.ZstdDecompressor().copy_stream(fin, fout)
    return out


def test_chunked_transfer_and_its_interruption(
    chain: Chain, home1: Path, fresh_home: Path, serve: Serve
) -> None:
    srv = serve(chain.snap2)
    srv.chunked = True
    snap = next(chain.snap2.glob("snapshot-*")).name
    srv.cut[snap] = 1
    _refused(home1, srv.url, "sync again to resume")
    assert _sync(home1, srv.url).to_sequence == 2
    srv.cut["manifest.json"] = 1
    _refused(fresh_home, srv.url, "manifest.json")


def test_something_that_is_not_an_http_server_is_refused(home1: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)

        def answer() -> None:
            for _ in range(3):
                try:
                    conn, _ = s.accept()
                except OSError:
                    return
                with conn:
                    conn.recv(4096)
                    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

        threading.Thread(target=answer, daemon=True).start()
        _refused(home1, f"http://127.0.0.1:{s.getsockname()[1]}/", "cannot reach")


def _self_signed(folder: Path) -> tuple[Path, Path]:
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_https_with_a_trusted_certificate_and_refused_without(
    chain: Chain, home1: Path, serve: Serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ssl

    cert, key = _self_signed(tmp_path)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = serve(chain.bundles[2], ctx)
    url = srv.url.replace("http://", "https://")
    _refused(
        home1, url, "CERTIFICATE_VERIFY_FAILED"
    )  # the kiosk's own trust store does not know it
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    result = _sync(home1, url)
    assert (result.method, result.to_sequence) == ("delta", 2)
