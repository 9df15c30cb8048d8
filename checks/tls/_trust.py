"""Trust anchors and chain walking for ``tls.cert-untrusted``: the Mozilla store shipped with
sslyze, the campaign's ``extra_ca_files`` (bounded in size), and the root a sent chain leads to.

cryptography and sslyze are imported by the functions that use them: ``tls.cert-untrusted``
imports this module when the check registry loads it (``scanner validate`` too), and it needs
them only when it runs.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib.metadata import version
from typing import TYPE_CHECKING

from checks.tls._facts import CertFacts
from scanner.api import Inconclusive

if TYPE_CHECKING:
    from cryptography import x509

MAX_CA_FILE = 10 * 1024 * 1024
SSLYZE_VERSION = version("sslyze")

_ROOTS_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _mozilla() -> tuple[str, tuple[x509.Certificate, ...]]:
    from cryptography import x509  # noqa: PLC0415  # see the module docstring
    from cryptography.utils import CryptographyDeprecationWarning  # noqa: PLC0415
    from sslyze.plugins.certificate_info.trust_stores.trust_store_repository import (  # noqa: PLC0415
        TrustStoresRepository,
    )

    with warnings.catch_warnings():
        # One of sslyze's bundled stores has a certificate with a negative serial number.
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        store = TrustStoresRepository.get_default().get_main_store()
        roots = tuple(x509.load_pem_x509_certificates(store.path.read_bytes()))
    return f"Mozilla NSS trust store {store.version} (sslyze {SSLYZE_VERSION})", roots


def mozilla_roots() -> tuple[str, tuple[x509.Certificate, ...]]:
    """(description, roots) of the public trust store: Mozilla's, as shipped with sslyze."""
    with _ROOTS_LOCK:
        return _mozilla()


def load_ca_files(paths: Iterable[str]) -> tuple[x509.Certificate, ...]:
    """The certificates in PEM files ``paths``; Inconclusive when one cannot be read."""
    from cryptography import x509  # noqa: PLC0415  # see the module docstring

    out: list[x509.Certificate] = []
    for path in paths:
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_CA_FILE + 1)
            if len(data) > MAX_CA_FILE:
                raise ValueError(f"larger than {MAX_CA_FILE} bytes")
            out.extend(x509.load_pem_x509_certificates(data))
        except (OSError, ValueError) as exc:
            raise Inconclusive(f"extra_ca_files: cannot use {path}: {exc}") from None
    return tuple(out)


def anchor(
    chain: Sequence[CertFacts], roots: Sequence[x509.Certificate]
) -> x509.Certificate | None:
    """The root of ``roots`` that ``chain`` (leaf first, as sent) leads to, or None.

    Walks from the leaf through the sent certificates, each link checked with :func:`signed_by`;
    the server may send the root itself or leave it out. Dates, names and key sizes are not
    considered here.
    """
    from cryptography import x509  # noqa: PLC0415  # see the module docstring

    from checks.tls._certs import signed_by  # noqa: PLC0415  # imports cryptography

    certs = [x509.load_der_x509_certificate(c.der) for c in chain]
    if not certs:
        return None
    by_subject: dict[x509.Name, list[x509.Certificate]] = {}
    for root in roots:
        by_subject.setdefault(root.subject, []).append(root)
    current, pool = certs[0], certs[1:]
    for _ in range(len(certs)):
        if current in roots:
            return current
        for root in by_subject.get(current.issuer, []):
            if signed_by(current, root):
                return root
        parent = next((c for c in pool if signed_by(current, c)), None)
        if parent is None:
            return None
        pool.remove(parent)
        current = parent
    return None
