"""A real HTTP server on 127.0.0.1 for the webhook tests: records each POST, answers the next
queued status (or 200), and can be stopped and started again on the same port."""
import hashlib
import hmac
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self):
        self.hits, self.statuses, self.delay = [], [], 0.0
        self.port = 0
        self.server = None
        self.start()

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do

            def setup(self):
                super().setup()
                # As production servers do: the body is not held back waiting for the headers' ACK.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.hits.append((self.path, dict(self.headers), body))
                time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = b"ok" if status < 300 else b"receiver says no"
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        """Down: nothing listens on the port (connection refused)."""
        self.server.shutdown()
        self.server.server_close()


def signature_verified(secret: str, header: str, body: bytes, *, now: float | None = None) -> bool:
    """The README's verification snippet: any v1= made with the secret, and a fresh timestamp."""
    parts = [part.split("=", 1) for part in header.split(",")]
    timestamp = next(value for key, value in parts if key == "t")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    fresh = abs((now or time.time()) - int(timestamp)) < 300
    return fresh and any(hmac.compare_digest(expected, value) for key, value in parts if key == "v1")
