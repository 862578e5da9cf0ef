"""Online deep learning on streams: PyTorch models that learn while they predict.

Importing :mod:`streamlearn.nn` does not import torch; building a model
does (``pip install 'streamlearn[deep]'``).

Learners
--------
- Generic, around any ``torch.nn.Module`` (a name, a class or an instance):
  :class:`TorchClassifier`, :class:`TorchRegressor`, :class:`TorchAnomalyDetector`,
  :class:`TorchForecaster`.
- Ready-made: :class:`MLPClassifier`, :class:`MLPRegressor`, :class:`RNNClassifier`,
  :class:`RNNRegressor`, :class:`CNN1dClassifier`, :class:`TransformerClassifier`,
  :class:`AutoencoderDetector` (plain or denoising), :class:`RNNForecaster`.
- Modules: :mod:`streamlearn.nn.modules` (``MLP``, ``RNN``, ``CNN1d``, ``Transformer``,
  ``Autoencoder``); add your own by name with :func:`register_module`.

Semantics (every learner)
-------------------------
* **Lazy build.** Module, loss and optimiser are built when the first record
  is learned, at the input width seen then (``n_features_``); predicting
  before that gives the empty answer of the task (no probabilities, 0).
* **Micro-batches, exact test-then-train.** A learned record becomes an
  *example* that waits in a buffer (``pending_X_``) until ``batch_size``
  (default 32) examples are there; then one update (``epochs`` optimiser
  steps on them, plus ``replay_batch`` examples from the replay reservoir)
  learns them. A record is always predicted with the weights as they are
  before it is learned. So a ``learn_many`` of 1,000 rows with
  ``batch_size=32`` makes 31 updates of 32 rows, in order, and leaves 8 rows
  waiting (the next call completes their micro-batch); a
  ``test_then_train_many`` of those rows predicts each micro-batch with the
  weights after the previous one, then learns it. This is exactly a loop
  of ``predict_many``/``learn_many`` over the micro-batches, and also
  exactly a loop of ``predict_one``/``learn_one`` over the records: the
  same weights bit for bit, the same predictions to the rounding of the
  forward pass (~1e-15 in float64, the default; ~1e-7 in float32, where a
  forward pass over several rows rounds differently than over one). The
  outer batch size therefore never changes the model, and ``learn_many``
  equals a loop of ``learn_one``. Records in the buffer are not learned
  yet: :meth:`~TorchLearner.flush` learns a partial micro-batch now. With
  ``batch_size=1`` every record is one update, as in deep-river. ``lr=None``
  (the default) takes the optimiser's rate for one record (Adam: 1e-3)
  times ``sqrt(batch_size)``.
* **Compiled per-record engine.** ``batch_size=1`` (every record one
  optimiser step, as in deep-river) costs PyTorch a few hundred microseconds
  per record whatever the network's size. For the fully connected modules
  (``"mlp"`` and ``"autoencoder"``, with SGD without momentum, Adam or AdamW,
  the built-in losses, schedules and clipping, no replay, window, dropout or
  input noise, on the CPU) the classifiers, regressors and anomaly detectors
  run the whole test-then-train loop in one compiled kernel instead:
  ``engine="auto"`` (the default) when it applies, ``engine="torch"`` never,
  ``engine="compiled"`` always (an error says why when it cannot). The kernel
  reads and writes the module's and the optimiser's tensors (Adam's state is
  created as torch creates it), so saving, growth, flushing and switching
  engines mid-stream see ordinary torch state; predictions, weights and
  counters equal the torch path's to the rounding of the matrix products
  (~1e-13 relative in float64), at 10^5 records per second and more on one core.
* **Windows.** With ``window=w`` an example is the window of the last ``w``
  learned records ending at the record (zero rows before the stream
  starts); with ``key`` one window per value of the key column.
* **Two time scales (recurrent classifier).** :class:`RNNClassifier` adds by
  default a per-record *readout*: a linear map of the network's state and
  the record's features whose scores add to the network's, updated after
  every record (a normalised LMS part that tracks drift, ``readout=0.3``,
  and an AdaGrad part that converges, ``readout_slow=0.1``), while the
  network learns per micro-batch (:mod:`streamlearn.nn._readout`). Large
  micro-batches then keep their speed without lagging the stream (Elec2:
  89% at ``batch_size=256`` against 76.5% without it).
  ``bptt=k`` backpropagates through the last ``k`` records of each window
  only (truncated BPTT; the forward pass still reads the whole window).
* **Growth.** A new input column (feature-incremental learning) widens the
  module's input: a wider module is built and the old weights are copied in,
  the new input weights (and their optimiser state) start at zero, so
  predictions do not change until the new feature is learned. A new class
  widens the output layer the same way. A module given as an instance (or a
  class without ``n_features``/``n_outputs``) cannot grow: new columns are
  then ignored for predictions and a :class:`~streamlearn.SchemaError` when
  learned; a class beyond its outputs is a SchemaError. The input width at
  the build is that of the first learned batch, so a batch and one record
  at a time give the same model only if the first batch has all the columns
  of its first record (later columns are handled identically).
* **Bad input.** NaN (missing; the schema also turns inf into NaN) becomes 0,
  the mean after a StandardScaler; ``n_imputed_`` counts the learned values
  that were imputed. A non-finite loss (or gradient norm, with clipping) skips
  the update, warns (RuntimeWarning) and is counted in ``n_nonfinite_``; the
  weights stay as they were. A module whose output does not fit the task is a
  SchemaError at the build; one that cannot read the input an
  InvalidParameterError. An empty batch is a no-op.
* **Device, threads, precision.** ``device="cpu"`` by default (small
  networks updated per micro-batch are latency-bound: a GPU gains little);
  ``device="auto"`` uses CUDA when available. ``n_threads`` (default 1) sets
  torch's (process-wide) intra-op threads before each call, and is not
  restored: the operations of small networks are too small to share, and on
  a busy machine extra threads wait for each other.
  ``dtype="float32"`` is up to 2.5x faster for recurrent modules.
* The live module is :attr:`~TorchLearner.torch_module`.
* **Reproducibility.** ``seed`` seeds a NumPy generator (``rng_``: replay
  sampling, the torch seed) and a torch generator state owned by the learner
  (``torch_rng_``: initialisation, dropout, noise), swapped in for the moment
  it is used, so learners do not disturb each other or the caller's torch
  generator. On CPU the same seed and data give the same digest.
* **State.** Weights (``module_state_``), optimiser state
  (``optimizer_state_``), the generator state, buffers and counters are
  NumPy arrays and numbers; ``streamlearn.save`` stores them in its
  manifest + ``.npz`` format (never a pickled module) and ``load`` rebuilds
  the module from its name and parameters, so learning resumes exactly. A
  model whose module is a class or instance cannot be saved: register the
  class with :func:`register_module` and pass its name.

References
----------
skorch (lazy build of module, loss and optimiser from stored arguments).
deep-river (online deep learning on River's API).
J. S. Vitter (1985). Random sampling with a reservoir. ACM TOMS 11(1) (the replay reservoir).
"""

from streamlearn.nn._base import TorchLearner
from streamlearn.nn._registry import module_names, register_module
from streamlearn.nn.anomaly import TorchAnomalyDetector
from streamlearn.nn.autoencoder import AutoencoderDetector
from streamlearn.nn.classifier import TorchClassifier
from streamlearn.nn.cnn import CNN1dClassifier
from streamlearn.nn.forecaster import TorchForecaster
from streamlearn.nn.mlp import MLPClassifier, MLPRegressor
from streamlearn.nn.regressor import TorchRegressor
from streamlearn.nn.rnn import RNNClassifier, RNNForecaster, RNNRegressor
from streamlearn.nn.transformer import TransformerClassifier

__all__ = [
    "AutoencoderDetector",
    "CNN1dClassifier",
    "MLPClassifier",
    "MLPRegressor",
    "RNNClassifier",
    "RNNForecaster",
    "RNNRegressor",
    "TorchAnomalyDetector",
    "TorchClassifier",
    "TorchForecaster",
    "TorchLearner",
    "TorchRegressor",
    "TransformerClassifier",
    "module_names",
    "register_module",
]
