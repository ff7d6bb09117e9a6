#!/usr/bin/env python3
"""syn_retrans.py PORT: a listener on 127.0.0.1:PORT whose accept queue one connection fills
(listen(0), never accepted); a second client's SYN is then dropped and sent again after the
1 s initial retransmission timeout. The workload of tcpretrans' case."""
import socket, sys

port = int(sys.argv[1])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(0)
first = socket.create_connection(("127.0.0.1", port))
second = socket.socket()
second.settimeout(1.5)
try:
    second.connect(("127.0.0.1", port))
except OSError:
    pass
