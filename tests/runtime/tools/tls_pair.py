#!/usr/bin/python3
"""tls_pair.py PORT: a TLS server and client over 127.0.0.1:PORT through the system's libssl
(Debian's /usr/bin/python3), with a throwaway self-signed certificate (openssl req); the
client writes 100 bytes, the server reads them and writes 200 back. The workload of the
OpenSSL tools' cases."""
import os, socket, ssl, subprocess, sys, tempfile, threading

port = int(sys.argv[1])
d = tempfile.mkdtemp()
key, crt = os.path.join(d, "k.pem"), os.path.join(d, "c.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                "-out", crt, "-days", "1", "-subj", "/CN=localhost"], check=True,
               capture_output=True)
srv_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
srv_ctx.load_cert_chain(crt, key)
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(1)

def serve():
    conn, _ = srv.accept()
    with srv_ctx.wrap_socket(conn, server_side=True) as t:
        got = b""
        while len(got) < 100:
            got += t.recv(100 - len(got))
        t.sendall(b"y" * 200)

th = threading.Thread(target=serve)
th.start()
cli_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
cli_ctx.load_verify_locations(crt)
with cli_ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost") as c:
    c.sendall(b"x" * 100)
    got = b""
    while len(got) < 200:
        got += c.recv(200 - len(got))
th.join()
for f in (key, crt):
    os.unlink(f)
os.rmdir(d)
print("ok")
