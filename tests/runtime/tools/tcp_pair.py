#!/usr/bin/env python3
"""tcp_pair.py PORT [BYTES...]: a TCP server on 127.0.0.1:PORT, one client that connects,
sends each BYTES-sized write (waiting for the server to read it), and closes; then a connect
to a closed port (PORT+1), refused. The workload of the TCP tools' cases."""
import socket, sys

port = int(sys.argv[1])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(1)
cli = socket.create_connection(("127.0.0.1", port))
conn, _ = srv.accept()
for n in sys.argv[2:]:
    cli.sendall(b"x" * int(n))
    got = 0
    while got < int(n):
        got += len(conn.recv(65536))
cli.close()
conn.close()
srv.close()
refused = socket.socket()
print("refused" if refused.connect_ex(("127.0.0.1", port + 1)) else "connected")
