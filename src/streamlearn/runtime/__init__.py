"""The streaming runtime: source -> parse/validate -> model -> sinks, with checkpoints.

::

    source ──► parse / validate ──► model ──────────────────► sinks
    (file, dir,   (RecordSchema;      predict now; learn when    (file, Parquet,
     memory,       bad records ──►    the label comes (joined    stdout, memory,
     Kafka, MQTT)  dead letters)      by key); prequential       Kafka, MQTT)
                                      metrics, drift alarms
       └───────── checkpoint: source offsets + sink positions + model + metrics + label store ─┘

Defined in Python (:class:`StreamPipeline`) or in YAML
(:func:`~streamlearn.runtime.config.load_pipeline`, ``streamlearn run
PIPELINE.yaml [--checkpoint-dir DIR] [--json]``; see
``examples/pipelines/``)::

    from streamlearn.runtime import StreamPipeline, RecordSchema
    from streamlearn.streams.sources import FileSource
    from streamlearn.streams.sinks import FileSink
    from streamlearn.preprocessing import StandardScaler
    from streamlearn.linear_model import LogisticRegression

    pipe = StreamPipeline(
        FileSource("flows.jsonl"), StandardScaler() | LogisticRegression(),
        schema=RecordSchema(label="attack", key="id"),
        sinks=[FileSink("predictions.jsonl")], dead_letters=FileSink("dead.jsonl"),
        checkpoint_dir="ckpt", checkpoint_seconds=1.0,
    )
    summary = pipe.run()        # records_in, predicted, learned, dead_letters, metrics, model_sha256, ...

Modules: :mod:`~streamlearn.runtime.pipeline` (the run loop),
:mod:`~streamlearn.runtime.parse` (records, validation, dead letters),
:mod:`~streamlearn.runtime.engine` (the model step),
:mod:`~streamlearn.runtime.join` (late labels), :mod:`~streamlearn.runtime.checkpoint`,
:mod:`~streamlearn.runtime.observe` (live view, Prometheus, logs),
:mod:`~streamlearn.runtime.config` (YAML), :mod:`~streamlearn.runtime.parallel`
(worker processes), :mod:`~streamlearn.runtime.demo`.

Sources (:mod:`streamlearn.streams.sources`)
--------------------------------------------
A source is a set of partitions read in batches (after bytewax)::

    open(resume: dict | None)                   # None: from the start; else a snapshot()
    next_batch(max_records, timeout_s) -> MessageBatch | None   # None: finished; empty: nothing yet
    snapshot() -> dict                          # JSON-able position after the last message returned
    commit(snapshot)                            # the checkpoint holding it is durable
    lag() -> float | None                       # messages waiting behind the position
    shard(index, count) -> Source               # this worker's part (worker processes)
    close()

A :class:`~streamlearn.streams.sources.MessageBatch` carries per-message
offsets, partitions, optional keys and timestamps, and the payloads as lines
of one ``bytes`` block (files: parsed by Arrow in one call), an Arrow record
batch (Parquet), or a list of ``bytes``/``str``/``dict`` payloads (memory,
brokers; :meth:`~streamlearn.streams.sources.MessageBatch.from_messages`).
Push sources put messages in a :class:`~streamlearn.streams.sources.BoundedBuffer`
whose ``put`` blocks when the pipeline falls behind; pull sources are read
only when the previous batch is done. That is the backpressure.

Sinks (:mod:`streamlearn.streams.sinks`)
----------------------------------------
A sink receives Arrow record batches (predictions; dead letters)::

    open(resume: dict | None)    # cut back to the checkpointed position if it can
    write(batch)                 # predictions of a micro-batch
    flush()                      # before a checkpoint: hand the data on (quick)
    snapshot() -> dict           # position after the flush, stored in the checkpoint
    sync()                       # make it durable (runs on the checkpoint writer thread)
    commit(snapshot)             # the checkpoint is durable (e.g. commit a transaction)
    shard(index, count), close()

New types plug into the YAML ``type:`` with
:func:`~streamlearn.streams.sources.register_source` and
:func:`~streamlearn.streams.sinks.register_sink`; factories get
``(options, base_dir, where)`` and validate options with
:func:`~streamlearn.streams.sources.options.check_options` (errors name the
place in the file). Every module of the two packages is imported when a
pipeline file is read, so a new module (``sources/kafka.py``, ...) registers
its types by being there; it should import its client library lazily.
``KafkaSource``/``MQTTSource`` and ``KafkaSink``/``MQTTSink`` are exported by
the two packages on first use (importing them needs neither client; without
one, the import raises an :class:`ImportError` that names the extra:
``pip install 'streamlearn[kafka]'``, ``[mqtt]``). Brokers, their start
commands and the known quirks of tansu: ``docs/runtime.md``.

Delivery guarantees (with checkpoints)
---------------------------------------
Each source and sink states its own in ``guarantee`` and its docstring.
Exactly-once into the model and metrics: a pipeline resumed after a crash
(SIGKILL included) ends with the model digest and metrics of an
uninterrupted run. Exactly-once for a sink: its output holds each record once.

=====================  ================================================================
memory, file,          exactly-once into the model and metrics: resuming replays every
directory sources      message after the checkpointed position and none before
Kafka source           exactly-once into the model and metrics: the checkpoint holds the
                       next offset of every partition (assigned statically: no group
                       rebalance) and resuming seeks there. The offsets are also committed
                       to the consumer group once the checkpoint is durable, for lag tools
                       only (read back only with ``start: committed`` and no checkpoint).
                       A position the broker no longer has is never skipped silently:
                       the source waits, then raises after ``broker_timeout_s``
MQTT source            ``qos: 0``: at-most-once. ``qos: 1``, ``ack: receipt`` (default):
                       at-most-once across crashes (acknowledged on arrival; what came
                       after the last checkpoint is lost with a crash). ``qos: 1``,
                       ``ack: checkpoint`` (fixed ``client_id``, persistent session):
                       at-least-once (acknowledged once the checkpoint holding the
                       messages is durable; the broker sends the others again after a
                       crash; a crash between a checkpoint and its acknowledgements makes
                       those messages be learned twice)
file sink (JSONL/CSV)  exactly-once: cut back to the checkpointed size on resume, the
                       replayed records write the same lines again
Parquet sink           exactly-once: one part per checkpoint, later parts deleted on resume
memory sink            exactly-once when the same object is reused across restarts
stdout sink            at-least-once (records since the last checkpoint are printed again)
Kafka sink             at-least-once: before each checkpoint ``flush`` waits until the
                       broker acknowledged every message (``acks=all``; the idempotent
                       producer keeps the client's own retries from duplicating); after a
                       crash the records since the last checkpoint are sent again (a topic
                       cannot be cut back): keep the last message per key or ``offset``
MQTT sink              ``qos: 1`` (default): at-least-once, as the Kafka sink (``flush``
                       waits for every acknowledgement). ``qos: 0``: at-most-once
                       (messages published while disconnected are dropped and counted)
any other sink         at-least-once if its ``flush`` hands everything written on: writes
                       happen before the checkpoint that covers them
=====================  ================================================================

Semantics
---------
* **Micro-batches** end at ``batch_size`` records or ``batch_seconds``,
  whichever comes first; several sources share a batch fairly.
* **Prediction now, learning when the label comes**: a record with features
  and label is test-then-trained (one compiled loop, as record by record);
  one with features only is predicted at once and, with a key, waits in a
  bounded label store (``max_pending``, ``ttl_seconds`` by event time or
  arrival; evictions, expiries, replaced keys and orphan labels are
  counted); a label (same stream or ``labels=`` stream, joined by key) takes
  its row out, the model learns it and the metrics score the prediction made
  before the label arrived. Order within a micro-batch: see
  :mod:`~streamlearn.runtime.engine` (``batch_size=1`` is exactly
  record-at-a-time).
* **Dead letters**: a record that fails parsing or validation (malformed
  JSON, wrong types, out of range, missing required field or label,
  oversized) goes to the dead-letter sink with its source, partition,
  offset, reason and payload, is counted, and the stream continues: a
  poison record never blocks a partition.
* **Checkpoints** every ``checkpoint_every`` records or
  ``checkpoint_seconds``: the state is captured between two batches (sinks
  flushed, positions taken, model and metrics copied) and written by a
  background thread - sinks synced, then files into a temporary folder,
  fsync, rename, fsync, then the ``CURRENT`` pointer the same way
  (:mod:`~streamlearn.runtime.checkpoint`) - while the next batches run. A
  failing disk write is logged and counted; the previous checkpoint stays
  valid and is used on restart. On start the pipeline resumes from
  ``CURRENT``: no record is learned twice, none is skipped, and a resumed
  run ends with the same model digest and metrics as an uninterrupted one.
* **Shutdown**: SIGINT/SIGTERM finish the batch, checkpoint and return
  (the CLI exits 0); a second SIGINT interrupts at once.
* **Observability**: :mod:`~streamlearn.runtime.observe`.
* **Parallelism**: ``workers=N`` runs N processes, each with its own model
  on a shard of the source; several sources feed one model. Which learners
  could merge their state is listed in :mod:`~streamlearn.runtime.parallel`.
"""

from streamlearn.runtime.checkpoint import CheckpointStore
from streamlearn.runtime.config import load_pipeline, pipeline_from_dict
from streamlearn.runtime.join import LabelJoin
from streamlearn.runtime.parse import DeadLetters, FieldSpec, Parsed, Parser, RecordSchema
from streamlearn.runtime.pipeline import RunSummary, StreamPipeline

__all__ = [
    "CheckpointStore",
    "DeadLetters",
    "FieldSpec",
    "LabelJoin",
    "Parsed",
    "Parser",
    "RecordSchema",
    "RunSummary",
    "StreamPipeline",
    "load_pipeline",
    "pipeline_from_dict",
]
