"""Built-in PyTorch modules for the streaming learners (importing this module imports torch).

Every module takes its sizes as keyword arguments, so a learner can build it
lazily on the first data and rebuild it wider when the stream grows:
``n_features`` (input columns), ``n_outputs`` (scores, values or steps per
example) and, for the sequence modules, ``window`` (records per example).
Flat modules read ``(batch, n_features)``; sequence modules read
``(batch, window, n_features)`` with the oldest record first. All of them
return ``(batch, n_outputs)``.

- :class:`MLP`: fully connected layers (``hidden`` units each, ``n_layers`` of them).
- :class:`RNN`: an LSTM or GRU over the window; the last step's state feeds a linear head.
- :class:`CNN1d`: 1-D convolutions along the window, global average pooling, linear head.
- :class:`Transformer`: a small transformer encoder with learned positions; the last
  position feeds a linear head.
- :class:`Autoencoder`: encoder ``n_features -> hidden -> latent``, mirrored decoder.

Growth (feature- and class-incremental learning) needs nothing from a
module: the learner builds a wider one and copies the old weights into the
leading block of each tensor, filling the rest with zeros (see
``streamlearn.nn``). That keeps the function unchanged as long as the size
of a hidden layer never depends on ``n_features`` or ``n_outputs``: write
custom modules the same way.

``deterministic_train`` tells the learner that training mode computes the
same outputs as evaluation mode (no dropout, no batch norm), so it may reuse
the training forward pass as the prediction of test-then-train.

Examples
--------
>>> import pytest
>>> torch = pytest.importorskip("torch")
>>> from streamlearn.nn.modules import MLP, RNN
>>> MLP(n_features=3, n_outputs=2, hidden=8)(torch.zeros(5, 3)).shape
torch.Size([5, 2])
>>> RNN(n_features=3, n_outputs=1, cell="gru", hidden=4)(torch.zeros(5, 16, 3)).shape
torch.Size([5, 1])

References
----------
S. Hochreiter, J. Schmidhuber (1997). Long short-term memory. Neural Computation 9(8).
K. Cho et al. (2014). Learning phrase representations using RNN encoder-decoder for
statistical machine translation. EMNLP (the GRU).
A. Vaswani et al. (2017). Attention is all you need. NeurIPS.
P. Vincent et al. (2008). Extracting and composing robust features with denoising
autoencoders. ICML.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

try:  # torch is optional for streamlearn; this module is only imported when it is used
    import torch
    from torch import nn

    _Module: Any = nn.Module
except ImportError:  # pragma: no cover - exercised only without torch
    torch = None  # type: ignore[assignment]
    nn = None  # type: ignore[assignment]
    _Module = object

__all__ = ["MLP", "RNN", "Autoencoder", "CNN1d", "Transformer"]

_ACTIVATIONS = ("relu", "tanh", "gelu", "sigmoid", "leaky_relu", "elu")


def _activation(name: str) -> Any:
    if name not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(_ACTIVATIONS)}. Got {name!r}.")
    return {
        "relu": nn.ReLU,
        "tanh": nn.Tanh,
        "gelu": nn.GELU,
        "sigmoid": nn.Sigmoid,
        "leaky_relu": nn.LeakyReLU,
        "elu": nn.ELU,
    }[name]()


def _widths(hidden: int | Sequence[int], n_layers: int) -> list[int]:
    if isinstance(hidden, int):
        return [hidden] * n_layers
    return [int(h) for h in hidden]


def _dense(widths: list[int], n_in: int, activation: str, dropout: float) -> list[Any]:
    layers: list[Any] = []
    for w in widths:
        layers += [nn.Linear(n_in, w), _activation(activation)]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        n_in = w
    return layers


class MLP(_Module):
    """Fully connected network: ``n_layers`` hidden layers of ``hidden`` units (or a list of widths).

    Parameters
    ----------
    n_features, n_outputs
        Input and output widths (set by the learner).
    hidden
        Units per hidden layer, or one width per layer (then ``n_layers`` is ignored).
    n_layers
        Hidden layers when ``hidden`` is an int; 0 gives a linear model.
    activation
        ``"relu"``, ``"tanh"``, ``"gelu"``, ``"sigmoid"``, ``"leaky_relu"`` or ``"elu"``.
    dropout
        Dropout rate after each hidden layer.
    """

    def __init__(
        self,
        n_features: int,
        n_outputs: int,
        hidden: int | Sequence[int] = 32,
        n_layers: int = 2,
        activation: str = "relu",
        dropout: float = 0.0,
    ):
        super().__init__()
        widths = _widths(hidden, n_layers)
        layers = _dense(widths, n_features, activation, dropout)
        layers.append(nn.Linear(widths[-1] if widths else n_features, n_outputs))
        self.net = nn.Sequential(*layers)
        self.deterministic_train = dropout == 0

    def forward(self, x: Any) -> Any:
        return self.net(x)


class RNN(_Module):
    """LSTM or GRU over a window; a linear head reads the state after the last record.

    Parameters
    ----------
    n_features, n_outputs
        Input and output widths (set by the learner).
    cell
        ``"lstm"`` or ``"gru"``.
    hidden
        Units of the recurrent state.
    n_layers
        Stacked recurrent layers.
    dropout
        Dropout between stacked layers (PyTorch's ``dropout`` of ``nn.LSTM``).
    bptt
        Truncated backpropagation through time: training differentiates through the last
        ``bptt`` records of each window only (the earlier ones still set the state). ``None``:
        the whole window. ``4`` trains about twice as fast over a window of 16.
    """

    def __init__(
        self,
        n_features: int,
        n_outputs: int,
        cell: str = "lstm",
        hidden: int = 32,
        n_layers: int = 1,
        dropout: float = 0.0,
        bptt: int | None = None,
    ):
        super().__init__()
        if cell not in ("lstm", "gru"):
            raise ValueError(f"cell must be 'lstm' or 'gru'. Got {cell!r}.")
        kind = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = kind(n_features, hidden, num_layers=n_layers, batch_first=True, dropout=dropout)
        self.head = nn.Linear(hidden, n_outputs)
        self.bptt = bptt
        self.deterministic_train = dropout == 0 or n_layers == 1

    def _run(self, x: Any, steps: int | None, state: Any = None) -> tuple[Any, Any]:
        """The cell over ``x`` from ``state``; when gradients are on, only the last ``steps``
        records (None: all) are differentiated through (truncated backpropagation)."""
        t = x.shape[1]
        if not torch.is_grad_enabled():
            steps = 0
        if steps is not None and steps < t:
            with torch.no_grad():
                state = self.rnn(x[:, : t - steps], state)[1]
            if steps == 0:
                return None, state
            x = x[:, t - steps :]
        return self.rnn(x, state)  # type: ignore[no-any-return]

    def embed(self, x: Any) -> Any:
        """The state after the last record of each window, ``(batch, hidden)``."""
        out, state = self._run(x, self.bptt)
        if out is None:  # no gradient: the state after the window
            return (state[0] if isinstance(state, tuple) else state)[-1]
        return out[:, -1]

    def embed_last(self, x: Any, last: Any, lo: int, hi: int) -> tuple[Any, Any]:
        """:meth:`embed` of ``x``, and (without gradient) of windows ``lo:hi`` of ``x`` with their
        last record replaced by ``last``: the shared first ``window - 1`` steps run once."""
        steps = None if self.bptt is None else self.bptt - 1
        state = self._run(x[:, :-1], steps)[1] if x.shape[1] > 1 else None
        out, _ = self.rnn(x[:, -1:], state)
        with torch.no_grad():
            sub = None
            if isinstance(state, tuple):
                sub = tuple(s[:, lo:hi].detach() for s in state)
            elif state is not None:
                sub = state[:, lo:hi].detach()
            other, _ = self.rnn(last[:, None, :], sub)
        return out[:, -1], other[:, -1]

    def forward(self, x: Any) -> Any:
        return self.head(self.embed(x))


class CNN1d(_Module):
    """1-D convolutions along the window (``same`` padding), global average pooling, linear head.

    Parameters
    ----------
    n_features, n_outputs
        Input channels (features) and outputs (set by the learner).
    channels
        Channels of each convolution.
    kernel_size
        Width of each convolution, in records.
    n_layers
        Number of convolutions, each followed by the activation.
    activation
        As for :class:`MLP`.
    dropout
        Dropout before the head.
    """

    def __init__(
        self,
        n_features: int,
        n_outputs: int,
        channels: int = 32,
        kernel_size: int = 3,
        n_layers: int = 2,
        activation: str = "relu",
        dropout: float = 0.0,
    ):
        super().__init__()
        layers: list[Any] = []
        n_in = n_features
        for _ in range(n_layers):
            layers += [nn.Conv1d(n_in, channels, kernel_size, padding="same"), _activation(activation)]
            n_in = channels
        self.conv = nn.Sequential(*layers)
        self.drop = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.head = nn.Linear(n_in, n_outputs)
        self.deterministic_train = dropout == 0

    def forward(self, x: Any) -> Any:
        h = self.conv(x.transpose(1, 2))  # (batch, channels, window)
        return self.head(self.drop(h.mean(dim=2)))


class Transformer(_Module):
    """A small transformer encoder over the window with learned positions; the last position
    feeds a linear head.

    Parameters
    ----------
    n_features, n_outputs, window
        Input width, outputs and window length (set by the learner).
    d_model
        Width of the token embeddings (a multiple of ``n_heads``).
    n_heads
        Attention heads.
    n_layers
        Encoder layers.
    dim_feedforward
        Units of each layer's feed-forward block.
    dropout
        Dropout inside the encoder layers.
    """

    def __init__(
        self,
        n_features: int,
        n_outputs: int,
        window: int,
        d_model: int = 32,
        n_heads: int = 4,
        n_layers: int = 1,
        dim_feedforward: int = 64,
        dropout: float = 0.0,
    ):
        super().__init__()
        self.embed = nn.Linear(n_features, d_model)
        self.position = nn.Parameter(torch.zeros(window, d_model))
        nn.init.normal_(self.position, std=0.02)
        layer = nn.TransformerEncoderLayer(
            d_model, n_heads, dim_feedforward, dropout=dropout, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, n_outputs)
        self.deterministic_train = dropout == 0

    def forward(self, x: Any) -> Any:
        h = self.embed(x) + self.position[-x.shape[1] :]
        return self.head(self.encoder(h)[:, -1])


class Autoencoder(_Module):
    """Encoder ``n_features -> hidden... -> latent`` and a mirrored decoder back to ``n_features``.

    Parameters
    ----------
    n_features
        Input (and reconstruction) width, set by the learner.
    n_outputs
        Ignored (the output has ``n_features`` columns); accepted so every built-in module
        takes the same sizes.
    hidden
        Units of each hidden layer of the encoder (the decoder mirrors them), or a list of widths.
    n_layers
        Hidden layers of the encoder when ``hidden`` is an int.
    latent
        Width of the code.
    activation
        As for :class:`MLP`.
    dropout
        Dropout after each hidden layer.
    """

    def __init__(
        self,
        n_features: int,
        n_outputs: int | None = None,
        hidden: int | Sequence[int] = 32,
        n_layers: int = 1,
        latent: int = 8,
        activation: str = "relu",
        dropout: float = 0.0,
    ):
        super().__init__()
        widths = _widths(hidden, n_layers)
        enc = _dense(widths, n_features, activation, dropout)
        enc += [nn.Linear(widths[-1] if widths else n_features, latent), _activation(activation)]
        dec = _dense(widths[::-1], latent, activation, dropout)
        dec.append(nn.Linear(widths[0] if widths else latent, n_features))
        self.encoder = nn.Sequential(*enc)
        self.decoder = nn.Sequential(*dec)
        self.deterministic_train = dropout == 0

    def forward(self, x: Any) -> Any:
        return self.decoder(self.encoder(x))
