"""A TCP relay that injects faults between Stowage and a real registry, for the soak (scripts/soak.py).

    relay = FaultRelay(("127.0.0.1", registry_port), probability=0.1, mean_bytes=32 << 20)
    relay.start()              # listens on 127.0.0.1:relay.port
    relay.faulty = True        # from now on faults are injected
    relay.fired()              # [(monotonic time, fault name)], every fault injected so far

While `faulty` is set, each new connection fails at once with `probability`, in one of these ways:

  refuse    the connection is closed as soon as it is accepted (before any request)
  reply503  the first request is answered 503 UNAVAILABLE (OCI error body), then the connection closes
  reply429  the first request is answered 429 TOOMANYREQUESTS with Retry-After: 1, then it closes
  delay     the registry's bytes are held DELAY_SECONDS before the first is passed on (slow, not broken)

and every connection (a client keeps its connections alive, so most were opened before) fails
midway, at a byte of the registry's answers drawn at random, `mean_bytes` apart on average:

  cut       the registry's bytes stop at that byte and both sockets close
  stall     the registry's bytes stop at that byte; the sockets stay open for STALL_SECONDS, then close
  corrupt   that byte is inverted (in a body: a digest that does not match; in a head: a bad answer)

A fault is recorded with its time when it fires. When `faulty` is cleared, faults drawn and not yet
fired are dropped. Threads only; stopped with the process.
"""
import random
import socket
import threading
import time

AT_ONCE = ["refuse", "reply503", "reply429", "delay"]
MIDWAY = ["cut", "stall", "corrupt"]
STALL_SECONDS = 20
DELAY_SECONDS = 2


class FaultRelay:
    def __init__(self, target, probability=0.1, mean_bytes=32 << 20, seed=1):
        self.target = target
        self.probability = probability
        self.mean_bytes = mean_bytes
        self.faulty = False
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.record = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]

    def start(self):
        threading.Thread(target=self.accept, daemon=True).start()

    def fired(self):
        with self.lock:
            return list(self.record)

    def fire(self, fault):
        with self.lock:
            self.record.append((time.monotonic(), fault))

    def draw_at_once(self):
        """The fault of a new connection, or None."""
        with self.lock:
            if not self.faulty or self.random.random() >= self.probability:
                return None
            return self.random.choice(AT_ONCE)

    def draw_midway(self, sent):
        """(fault, byte) for a connection that has passed on `sent` bytes."""
        with self.lock:
            return self.random.choice(MIDWAY), sent + int(self.random.expovariate(1 / self.mean_bytes))

    def accept(self):
        while True:
            client, _ = self.listener.accept()
            threading.Thread(target=self.relay, args=(client, self.draw_at_once()), daemon=True).start()

    def relay(self, client, fault):
        if fault == "refuse":
            self.fire(fault)
            client.close()
            return
        if fault in ("reply503", "reply429"):
            self.reply(client, fault)
            return
        try:
            server = socket.create_connection(self.target, timeout=10)
            server.settimeout(None)
        except OSError:
            client.close()
            return
        threading.Thread(target=pump, args=(client, server), daemon=True).start()
        self.answer(server, client, fault == "delay")

    def reply(self, client, fault):
        """Reads one request head and answers it with the fault's status."""
        try:
            client.settimeout(10)
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(65536)
                if not chunk:
                    return
                head += chunk
            self.fire(fault)
            status, code, extra = ((503, "UNAVAILABLE", b"") if fault == "reply503"
                                   else (429, "TOOMANYREQUESTS", b"Retry-After: 1\r\n"))
            body = b'{"errors":[{"code":"%s","message":"injected by the soak\'s fault relay"}]}' % code.encode()
            reason = b"Service Unavailable" if status == 503 else b"Too Many Requests"
            client.sendall(b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                           % (status, reason, extra, len(body), body))
        except OSError:
            pass
        finally:
            client.close()

    def answer(self, server, client, delay):
        """Passes the registry's bytes to the client, held first when `delay`, with a midway fault
        drawn whenever `faulty` is set and none is pending."""
        sent = 0
        fault = at = None
        try:
            if delay:
                self.fire("delay")
                time.sleep(DELAY_SECONDS)
            while True:
                data = server.recv(65536)
                if not data:
                    break
                if not self.faulty:
                    fault = None
                elif fault is None:
                    fault, at = self.draw_midway(sent)
                if fault is not None and sent + len(data) > at:
                    offset = at - sent
                    if fault == "corrupt":
                        data = data[:offset] + bytes([data[offset] ^ 0xFF]) + data[offset + 1:]
                        self.fire(fault)
                        fault = None
                    else:
                        client.sendall(data[:offset])
                        self.fire(fault)
                        if fault == "stall":
                            time.sleep(STALL_SECONDS)
                        break
                client.sendall(data)
                sent += len(data)
        except OSError:
            pass
        finally:
            close(client)
            close(server)


def pump(source, destination):
    """The client's requests to the registry, untouched."""
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            destination.sendall(data)
    except OSError:
        pass
    finally:
        try:
            destination.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def close(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
