"""Test-side token issuer: RSA keys generated at test time, a JWKS served over HTTP on loopback,
and access tokens shaped like Cognito's client-credentials tokens."""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

JWKS_PATH = "/pool/.well-known/jwks.json"

READ = "assistences-services/read"
WRITE = "assistences-services/write"
KOM_READ = "kom-services/read"
KOM_WRITE = "kom-services/write"


class SigningKey:
    def __init__(self, kid: str):
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict:
        return {
            **RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True),
            "kid": self.kid,
            "alg": "RS256",
            "use": "sig",
        }


class JwksServer:
    """Serves ``{"keys": [...]}`` at ``JWKS_PATH`` from a thread; counts the fetches; keys replaceable."""

    def __init__(self) -> None:
        self.document: dict = {"keys": []}
        self.hits = 0
        self.status = 200
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                with server._lock:
                    server.hits += 1
                    body = json.dumps(server.document).encode()
                    status = server.status
                if self.path != JWKS_PATH:
                    status, body = 404, b"{}"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/pool"

    def publish(self, *keys: SigningKey, extra: list | None = None) -> None:
        with self._lock:
            self.document = {"keys": [k.jwk() for k in keys] + list(extra or [])}

    def start(self) -> "JwksServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def access_claims(*, issuer: str, client_id: str, scopes=(READ,), lifetime: int = 3600, **overrides) -> dict:
    now = int(time.time())
    claims = {
        "sub": client_id,
        "token_use": "access",
        "scope": " ".join(scopes),
        "auth_time": now,
        "iss": issuer,
        "exp": now + lifetime,
        "iat": now,
        "version": 2,
        "jti": str(uuid.uuid4()),
        "client_id": client_id,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def sign(claims: dict, key: SigningKey, *, kid: str | None = None, headers: dict | None = None) -> str:
    return jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": kid or key.kid, **(headers or {})})
