#!/usr/bin/python3
# Stand-in for the traefik binary in TraefikSystemdIT (Traefik itself cannot be downloaded here).
#
# Signal behaviour as a Go program like Traefik has it:
#  - Go's os/signal documentation, "Default behavior of signals in Go programs": "A SIGHUP, SIGINT,
#    or SIGTERM signal causes the program to exit." Traefik installs handlers only for SIGINT and
#    SIGTERM (graceful stop, exit 0) and SIGUSR1 (reopen logs); SIGHUP keeps the runtime default,
#    so the process dies of SIGHUP. Here SIGHUP keeps the kernel default action (terminate), which
#    is what systemd then sees.
#  - Start-up as Traefik: read --configFile, listen on every entrypoint address (":80",
#    ":5432/tcp", ":53/udp"); if one cannot be bound, log the error and exit 1.
# It serves nothing; it only holds the sockets, so `ss -p` shows which process listens.
import re
import signal
import socket
import sys
import time


def main():
    conf = None
    for arg in sys.argv[1:]:
        if arg.startswith("--configFile="):
            conf = arg.split("=", 1)[1]
    if conf is None:
        print("traefik stand-in: --configFile=FILE is required", file=sys.stderr)
        return 1
    with open(conf, encoding="utf-8") as f:
        text = f.read()
    socks = []
    for addr in re.findall(r'address:\s*"?:([0-9]{1,5}(?:/(?:tcp|udp))?)"?', text):
        port, _, proto = addr.partition("/")
        proto = proto or "tcp"
        kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
        s = socket.socket(socket.AF_INET6, kind)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        if proto == "tcp":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("::", int(port)))
            if proto == "tcp":
                s.listen(128)
        except OSError as e:
            print(f"command traefik error: error while building entryPoint {port}/{proto}: {e}", file=sys.stderr)
            return 1
        socks.append(s)
    print(f"traefik stand-in: listening on {len(socks)} entrypoint(s) from {conf}", flush=True)

    def stop(signum, frame):
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGUSR1, lambda s, f: None)
    # SIGHUP: left at SIG_DFL on purpose (Go's default: the program exits)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
