"""Loopback sockets and the self-signed TLS certificate the fake exchanges listen with."""

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
import ssl
import tempfile

__all__ = ["listen", "server_ssl_context"]

_SSL_CONTEXT: ssl.SSLContext | None = None


def server_ssl_context() -> ssl.SSLContext:
    """A TLS context with a self-signed EC certificate for 127.0.0.1, made once per process."""
    global _SSL_CONTEXT
    if _SSL_CONTEXT is None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-exchange")])
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
            .sign(key, hashes.SHA256())
        )
        pem_key = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as tmp:  # the ssl module loads keys from files only
            path = os.path.join(tmp, "fake-exchange.pem")
            with open(path, "wb") as pem:
                pem.write(cert.public_bytes(serialization.Encoding.PEM) + pem_key)
            context.load_cert_chain(path)
        _SSL_CONTEXT = context
    return _SSL_CONTEXT


def listen() -> socket.socket:
    """A listening TCP socket on a free port of 127.0.0.1."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock
