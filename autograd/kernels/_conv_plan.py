"""Which kernel path computes a convolution product: one pure function of shapes and geometry.

:func:`plan` decides; the drivers in :mod:`autograd.kernels.conv` execute what it says. Its
thresholds are the fields of :class:`Limits`, and nothing else in the kernels compares a shape
with a constant to choose a path.

Paths
-----
``empty``
    An empty batch, or no input channels: zeros (plus the bias).
``winograd``
    Winograd F(2x2, 3x3) (:mod:`autograd.kernels.winograd`): 3x3, stride 1, dilation 1, one
    group, padding at most 2, enough channels and pixels. 2.25x fewer multiply-adds than
    im2col + GEMM, at the price of transforms that only pay for themselves on wide layers and
    images larger than a few tiles. Mixing a tile's values, it would smear an inf or NaN, so it
    needs finite operands.
``direct``, ``direct_wide``
    Direct Numba loops, no GEMM (:mod:`autograd.kernels._conv_direct`): thin groups (depthwise
    and the like), whose GEMMs would be tiny, and dense stride-1 convolutions with few products
    per output (``C_in * kh * kw``, e.g. a first layer on an RGB image), whose GEMMs are
    memory-bound and cost more in layout copies than in products; so are the forward and
    weight gradient of one with few output channels, whatever its kernel. ``direct_wide`` is
    the stride-1 forward on padded planes.
``direct_taps``
    The direct forward loops of any stride (those of ``direct``), summing only the taps that
    fall inside the input: the forward of a non-finite weight with padding (below).
``direct_one_pass``
    The stride-1 direct backward reading the output gradient once for the input, weight and
    bias gradients. Its input gradient needs a finite weight; it notices a non-finite input
    itself, and the weight gradient is then planned again.
``pointwise``
    1x1, stride 1, no padding, one group: each sample's input is its own column matrix, one
    GEMM per sample, each kernel thread on its share of a batch
    (:mod:`autograd.kernels._conv_pointwise`); a single sample is one matmul.
``dense``
    A small feature map (:mod:`autograd.kernels._conv_dense`): each sample's convolution as one
    small dense matrix, so the whole batch is one GEMM on the arrays as they lie, with no
    padded copies or column matrices. Its zeros multiply ``x`` (forward) and ``gy`` (input
    gradient), which must then be finite; its weight gradient is exact for any values.
``batched``
    A weight gradient with few products per output that the direct pass does not take: one small
    GEMM per sample on the column matrix, the output gradient read as it lies.
``phases``
    A 4x4 kernel at stride 2 with padding 1, one group (:mod:`autograd.kernels._conv_phases`):
    four 2x2 convolutions by parity, each by Winograd F(2x2, 2x2), 1.78x fewer multiply-adds
    than the column path. Input planes of multiples of 4 pixels, 16 to 128 channels each way,
    enough tiles (the kernel gives each thread its own samples: a batch smaller than the threads
    takes the column path). Like Winograd, it needs finite operands; ``forward_and_weight_grad``
    (a transposed convolution's backward) shares one input transform between its two products.
``gemm``, ``gemm_wide``
    im2col + GEMM (:mod:`autograd.kernels._conv_drivers`). ``gemm_wide`` is the stride-1 column
    layout (one copy per column-matrix row, a few junk columns per output row), taken by
    batches too small for pipelines while the junk costs the GEMM less than the plain layout's
    gathers (wide groups of output channels take the plain one); it is exact only for a finite
    weight (input gradient) or input (weight gradient: noticed chunk by chunk).
``separate``
    ``backward``: each gradient on its own path; ``forward_and_weight_grad``: two calls.
``shared_gemm``
    ``forward_and_weight_grad`` (a transposed convolution's backward): one column matrix for the
    forward product and the weight gradient.

Finiteness
----------
Some paths are exact only for finite operands. ``finite`` gives what is known of ``x``, ``w``
and ``gy`` (True, False, or None: unknown). A plan for a path that needs an unknown operand to
be finite lists it in :attr:`Plan.check`; the caller checks it and plans again with the answer.

Padding contributes nothing: a padded tap is not a term of the sum, so an inf or NaN weight
(forward) or output gradient (weight gradient) leaves the outputs (weight-gradient entries) it
meets only at padding as they are, instead of making ``0 * inf`` = NaN there (PyTorch's oneDNN
kernels do the same). The paths that pad with zeros and multiply (``direct_wide``, the column
matrices, Winograd, the one-pass backward's weight gradient) need that operand finite when
there is padding; the ``direct`` loops skip padded taps at any stride. The weight is checked
(small), ``gy`` only by the weight gradient, or by its sums when they come with the pass.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from typing import Literal

from autograd.kernels import _conv_dense
from autograd.kernels._args import ConvGeometry, conv_output_size

Product = Literal["forward", "input_grad", "weight_grad", "backward", "forward_and_weight_grad"]
Finite = tuple["bool | None", "bool | None", "bool | None"]
_UNKNOWN: Finite = (None, None, None)


@dataclass(frozen=True)
class Limits:
    """Every threshold the convolution kernels choose by, in one place.

    Attributes
    ----------
    winograd_min_channels : int
        Winograd needs at least this many input and output channels: with fewer its GEMMs are
        too thin to pay for the transforms (an RGB first layer gains nothing), and the direct
        kernels do better.
    winograd_min_output_pixels : int
        ... and an output of at least this many pixels (6x6): below, the junk tile of each tile
        row and per-plane overheads take most of the time. 7x7 layers still run in about two
        thirds of the GEMM path's time.
    winograd_min_tiles : int
        ... and at least this many 2x2 output tiles in the batch (``N * ceil(OH / 2) *
        ceil(OW / 2)``): they are the columns of Winograd's 16 GEMMs, which below this are too
        thin for their transforms to pay (a batch of 4 128-channel 7x7 maps, 64 tiles, ran 2-3x
        slower than the GEMM path; one 256-channel 10x10 map, 25 tiles, 2.4x).
    winograd_max_padding : int
        Winograd's input copies support zero padding up to this much.
    direct_max_group_channels : int
        Grouped stride-1 convolutions with at most this many channels per group, in or out, run
        the direct kernels (depthwise ones 10x faster than per-group GEMMs, 16 channels a group
        still about 1.5x).
    direct_max_group_channels_strided : int
        The same for other strides, whose direct kernels lack the stride-1 ones' padded-plane
        loops: they win up to 3 channels a group (depthwise 4-10x), GEMMs from 4.
    direct_max_products : int
        Dense stride-1 convolutions with at most this many products per output
        (``C_in * kh * kw``) run the direct kernels: their GEMMs are memory-bound and the
        layout copies around them cost more than the products.
    direct_max_products_3x3 : int
        The same for 3x3 kernels, which the direct kernels compute in one pass over each
        plane: up to 8 input channels they run in a third to half of the GEMM path's time.
    direct_max_out_channels : int
        Dense stride-1 convolutions with at most this many output channels take the direct
        forward and the one-pass weight gradient whatever their products per output: the GEMM
        path reads each entry of its column matrix (``kh * kw`` copies of the input) only that
        many times, which costs more than the products. Direct over columns, forward / weight
        gradient, batches of 8 and 64 at 28x28: 3 -> 6 channels under 5x5 kernels 0.44-0.55 /
        0.29-0.31, 32 -> 4 under 3x3 0.34-0.47 / 0.37-0.45, 64 -> 8 under 5x5 0.77-0.86 /
        0.68-0.76; with 16 outputs the columns win (6 -> 16 under 5x5: 1.29-1.66 / 1.11-1.23).
        Their input gradient keeps the columns: the direct one scatters (64 32x32 maps under 6
        5x5 filters: 3.4-4.6 ms against 1.3). One group and stride 1 only, after the pointwise
        and dense paths; the weight gradient needs ``x`` not known to hold inf or NaN (the one
        pass notices that itself). A batch of one runs on one thread and still wins (64 -> 3
        channels, 3x3, one 256x256 map: forward 6.7 ms against 39.7).
    batched_max_products : int
        Weight gradients with at most this many products per output (one group) that the
        direct pass does not take run one GEMM per sample (about 3x faster than the columns).
    cols_budget_bytes : int
        Upper bound on one chunk's column matrix in the GEMM paths: large enough for efficient
        GEMMs, small enough that a big batch never allocates hundreds of megabytes.
    dense_max_matrix : int
        The dense path's matrix (``C*H*W`` by ``O*OH*OW`` entries) has at most this many
        entries: it stays in a core's L2 cache while the GEMM reads it.
    dense_max_waste : float
        ... and multiplies at most this many times the true products (its zeros: a 4x4 map
        under a 3x3 kernel with padding 1 gives 2.56). At 2.56 a batch of 64 16-channel 4x4
        maps ran its forward in half the wide column path's time, and fwd+bwd too.
    dense_min_batch : int
        ... and the batch has at least this many samples: building the matrix costs about one
        sample's convolution, which a batch pays back.
    winograd_chunk_bytes : int
        Upper bound on one Winograd worker's chunk (transformed input and GEMM output), about a
        core's L2 cache, so that the GEMM reads what the transform just wrote from cache.
    pipeline_min_batch : int
        The column (GEMM) paths run one pipeline per kernel thread, each on its share of a batch
        of at least this many samples (:func:`pipelined`): columns, GEMM and the copies back
        on chunks that stay in the core's cache. Smaller batches run the whole batch with serial
        layout kernels and BLAS's threads, whose GEMMs are then wider, unless they have the
        columns below.
    pipeline_min_columns : int
        A smaller batch of two or more samples shares out too when it has at least this many
        GEMM columns (``N * OH * OW``) and a weight of at most ``pipeline_max_weight`` values:
        each thread's one-threaded GEMMs on its own samples then beat BLAS's two threads on
        the whole batch. One rule for every product of a layer: a step whose forward and input
        gradient share out while its weight gradient runs BLAS's threads took 1.6-1.8x as long
        (the kernel threads spin on the cores BLAS's threads then want). Fwd+bwd, shared over
        not, batches of 2 to 6: with 256 to 1568 columns 0.75-0.97 (5x5 kernels, stride 2, 8x8
        to 28x28 maps, 32 to 128 channels; forward alone 0.69-0.87); with 64 to 196 columns
        0.97-1.33 (4x4 to 8x8 maps, the more channels the worse). A transposed convolution
        whose output gradient is cut short (``output_padding``) counts its gradients' columns
        from that gradient, and may decide those apart from its forward near the limit.
    pipeline_max_weight : int
        ... and at most this many weight values (whatever the dtype; measured in float32):
        each thread sums its own partial weight gradient of that size, and adds it to the
        others'. Batches of 4 8x8 maps, 256 -> 512 and 512 -> 512 channels (1.2 and 2.4
        million weights): fwd+bwd 1.04 and 1.07.
    pipeline_chunk_bytes : int
        Upper bound on one pipeline's column matrix, about a core's L2 cache.
    phases_min_channels : int
        The ``phases`` path needs at least this many input and output channels: with fewer its
        GEMMs are too thin to pay for the transforms.
    phases_max_channels : int
        ... and at most this many: with more, its chunks' GEMMs (a few samples' tiles as
        columns, to stay in cache) run far below the column path's, and the weight's transforms
        grow. Fwd+bwd, phases over columns: 128 -> 128 on 16 32x32 maps 0.88, transposed from
        16 16x16 maps 0.94; with 256 or more channels 1.02-1.44 (128 -> 256 on 32 16x16 maps
        1.20, 256 -> 256 on 16 32x32 maps 1.02, transposed 512 -> 256 from 8 16x16 maps 1.44).
    phases_min_tiles : int
        ... and at least this many 2x2 output tiles in the batch (``N * H/4 * W/4``): below, the
        weight's transforms (2.25x its size per copy, and per thread for the weight
        gradient's sums) cost more than the GEMMs save. Fwd+bwd, phases over columns: with 512
        to 4096 tiles 0.70-0.86 (transposed 64 -> 32 from 16x16 and 8x8 maps, 128 -> 64 and
        32 -> 16 from 16x16; 64 -> 128 on 32x32 maps, 32 -> 32 on 16x16, 64 -> 64 on 64x64),
        with 256 tiles 0.65-0.92 (transposed 64 -> 32 from 16 8x8 maps; 32 -> 32 on 16 16x16
        maps, 64 -> 64 on 4 32x32 maps), with 128 tiles 0.93-1.05 (transposed 64 -> 32 from 8
        8x8 maps, 32 -> 16 from 32 4x4 maps).
    pointwise_min_batch : int
        The pointwise path gives each kernel thread its share of a batch of at least this many
        samples, one GEMM per sample on that thread (:func:`pointwise_shared`); a smaller batch
        is one batched matmul on BLAS's threads. Each sample is its own column matrix, so
        there is no layout copy to keep in cache, and even two samples gain (fwd+bwd with a
        bias of 2 64->64 56x56 maps 1.50-1.77 -> 1.25 ms, 4 128->64 8x8 maps 0.235-0.25 ->
        0.19-0.21).
    wide_max_junk_outputs : int
        Stride-1 column paths on a batch too small for pipelines use the wide layout (one copy
        per row of the padded planes, no per-element gather) while its junk columns, ``(kw -
        1) * dw`` per output row, times the output channels of a group (the GEMM outputs each
        junk column costs) stay below this; from there the plain layout, which computes no
        junk, is faster. Plain over wide, fwd + input and weight gradients, batch 1 / 4:
        192-channel 7x7 maps 0.91 / 0.97, 512-channel ones 0.79 / 0.85, 256-channel 14x14 0.91
        / 0.92, 512-channel 28x28 0.94 / 0.96, a 5x5 kernel over 256 channels at 14x14 0.84;
        below it, 128-channel 8x8 maps 1.03 / 1.12. Pipelines (:func:`pipelined`) always take
        the plain layout: its chunks stay in cache as well, and it was as fast or faster in
        every case measured (0.58-1.01 over 31 cases, 4 to 256 output channels a group, 2x2 to
        7x7 kernels, batches of 8 to 128).
    """

    winograd_min_channels: int = 16
    winograd_min_output_pixels: int = 36
    winograd_min_tiles: int = 72
    winograd_max_padding: int = 2
    direct_max_group_channels: int = 16
    direct_max_group_channels_strided: int = 3
    direct_max_products: int = 9
    direct_max_products_3x3: int = 72
    direct_max_out_channels: int = 8
    batched_max_products: int = 9
    cols_budget_bytes: int = 24 * 1024 * 1024
    dense_max_matrix: int = 1 << 18
    dense_max_waste: float = 3.0
    dense_min_batch: int = 8
    winograd_chunk_bytes: int = 2 * 1024 * 1024
    pipeline_min_batch: int = 8
    pipeline_min_columns: int = 256
    pipeline_max_weight: int = 1 << 20
    pipeline_chunk_bytes: int = 2 * 1024 * 1024
    wide_max_junk_outputs: int = 320
    phases_min_channels: int = 16
    phases_max_channels: int = 128
    phases_min_tiles: int = 256
    pointwise_min_batch: int = 2


LIMITS = Limits()


@dataclass(frozen=True)
class Plan:
    """A path, and the operands (``"x"``, ``"w"``, ``"gy"``) to check for inf/NaN before it
    runs (then plan again with the answers)."""

    path: str
    check: tuple[str, ...] = ()
    #: The path stands in for the dense direct kernels, named in ``cold`` (see :func:`plan`).
    stand_in: bool = field(default=False, repr=False)
    #: With ``stand_in``: the direct path the plan would have taken (to compile elsewhere).
    instead: str | None = field(default=None, repr=False)


# --------------------------------------------------------------------------------------------
# Shape predicates


def _winograd(x_shape: tuple, w_shape: tuple, g: ConvGeometry, limits: Limits) -> bool:
    if w_shape[2:] != (3, 3) or g.stride != (1, 1) or g.dilation != (1, 1) or g.groups != 1:
        return False
    if max(g.padding) > limits.winograd_max_padding:
        return False
    oh = x_shape[2] + 2 * g.padding[0] - 2
    ow = x_shape[3] + 2 * g.padding[1] - 2
    wide = min(x_shape[1], w_shape[0]) >= limits.winograd_min_channels
    tiles = x_shape[0] * ((oh + 1) // 2) * ((ow + 1) // 2)
    return (
        wide and oh * ow >= limits.winograd_min_output_pixels and tiles >= limits.winograd_min_tiles
    )


def _phases(x_shape: tuple, w_shape: tuple, g: ConvGeometry, limits: Limits) -> bool:
    # The parity phases' Winograd path (see the module docstring).
    four = w_shape[2:] == (4, 4) and g.stride == (2, 2) and g.padding == (1, 1)
    if not four or g.dilation != (1, 1) or g.groups != 1:
        return False
    N, C, H, W = x_shape
    return (
        H % 4 == 0
        and W % 4 == 0
        and H > 0
        and W > 0
        and N * (H // 4) * (W // 4) >= limits.phases_min_tiles
        and min(C, w_shape[0]) >= limits.phases_min_channels
        and max(C, w_shape[0]) <= limits.phases_max_channels
    )


def _wide(x_shape: tuple, w_shape: tuple, g: ConvGeometry, pixels: int, limits: Limits) -> bool:
    # The stride-1 wide column layout (see Limits.wide_max_junk_outputs).
    junk = (w_shape[3] - 1) * g.dilation[1] * (w_shape[0] // g.groups)
    return (
        g.stride == (1, 1)
        and not pipelined(x_shape[0], pixels, math.prod(w_shape), limits)
        and junk < limits.wide_max_junk_outputs
    )


def _thin_groups(w_shape: tuple, g: ConvGeometry, limits: Limits) -> bool:
    if g.stride == (1, 1):
        most = limits.direct_max_group_channels
    else:
        most = limits.direct_max_group_channels_strided
    return g.groups > 1 and min(w_shape[1], w_shape[0] // g.groups) <= most


def _products(w_shape: tuple) -> int:
    return w_shape[1] * w_shape[2] * w_shape[3]


def _direct(w_shape: tuple, g: ConvGeometry, limits: Limits) -> bool:
    if g.groups == 1 and g.stride == (1, 1):
        most = limits.direct_max_products
        if w_shape[2:] == (3, 3):
            most = max(most, limits.direct_max_products_3x3)
        return _products(w_shape) <= most
    return _thin_groups(w_shape, g, limits)


def _few_outputs(w_shape: tuple, g: ConvGeometry, limits: Limits) -> bool:
    # A dense stride-1 convolution whose forward and weight gradient run the direct kernels
    # (see Limits.direct_max_out_channels).
    return g.groups == 1 and g.stride == (1, 1) and w_shape[0] <= limits.direct_max_out_channels


def _pointwise(w_shape: tuple, g: ConvGeometry) -> bool:
    one = g.stride == (1, 1) and g.padding == (0, 0) and g.groups == 1
    return one and w_shape[2:] == (1, 1)


def _dense(x_shape: tuple, w_shape: tuple, g: ConvGeometry, limits: Limits) -> bool:
    if g.groups != 1 or x_shape[0] < limits.dense_min_batch:
        return False
    out = tuple(
        conv_output_size(x_shape[2 + a], w_shape[2 + a], g.stride[a], g.padding[a], g.dilation[a])
        for a in (0, 1)
    )
    entries = x_shape[1] * x_shape[2] * x_shape[3] * w_shape[0] * out[0] * out[1]
    if entries == 0 or entries > limits.dense_max_matrix:
        return False
    return _conv_dense.waste(x_shape[2:], out, w_shape[2:], g) <= limits.dense_max_waste


def pipelined(batch: int, pixels: int, weights: int, limits: Limits | None = None) -> bool:
    """Whether the column (GEMM) paths run one pipeline per kernel thread on a batch of
    ``batch`` samples of ``pixels`` GEMM columns each (the output's pixels; the output
    gradient's, for the gradients), under a weight of ``weights`` values (see
    :attr:`Limits.pipeline_min_batch` and the limits after it).

    Examples
    --------
    >>> pipelined(64, 16, 9), pipelined(4, 64, 9), pipelined(4, 49, 9), pipelined(1, 4096, 9)
    (True, True, False, False)
    >>> pipelined(4, 64, 2**21)
    False
    """
    limits = LIMITS if limits is None else limits
    if batch >= limits.pipeline_min_batch:
        return True
    return (
        batch >= 2  # something to share out
        and batch * pixels >= limits.pipeline_min_columns
        and weights <= limits.pipeline_max_weight
    )


def pointwise_shared(batch: int, limits: Limits | None = None) -> bool:
    """Whether the pointwise path shares a batch of ``batch`` samples out to the kernel
    threads (see :attr:`Limits.pointwise_min_batch`).

    Examples
    --------
    >>> pointwise_shared(32), pointwise_shared(1)
    (True, False)
    """
    return batch >= (LIMITS if limits is None else limits).pointwise_min_batch


def _padded(g: ConvGeometry) -> bool:
    return any(p > 0 for p in g.padding)


def _requires(finite: Finite, *names: str) -> tuple[bool, tuple[str, ...]]:
    # Whether the named operands may be finite, and those not known yet.
    known = dict(zip(("x", "w", "gy"), finite))
    possible = all(known[n] is not False for n in names)
    return possible, tuple(n for n in names if known[n] is None)


def _padded_requires(g: ConvGeometry, finite: Finite, *names: str) -> tuple[bool, tuple[str, ...]]:
    # _requires for operands that zero padding multiplies: nothing is required without padding.
    return _requires(finite, *names) if _padded(g) else (True, ())


# The operands each single product's Winograd path needs finite (it smears an inf or NaN over
# its tile); ``backward`` has its own rule.
_WINOGRAD_OPERANDS = {"forward": ("x", "w"), "input_grad": ("gy", "w"), "weight_grad": ("x", "gy")}
_PHASES_OPERANDS = {**_WINOGRAD_OPERANDS, "forward_and_weight_grad": ("x", "w", "gy")}


# --------------------------------------------------------------------------------------------
# The plan


# A model calls the same few convolutions every step: their plans are remembered (a Plan is
# frozen, so one instance can be handed out again).
@functools.lru_cache(maxsize=1024)
def plan(
    product: Product,
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    geometry: ConvGeometry,
    finite: Finite = _UNKNOWN,
    output_mask: tuple[bool, bool, bool] = (True, True, True),
    gy_shape: tuple[int, ...] | None = None,
    limits: Limits = LIMITS,
    cold: frozenset[str] = frozenset(),
) -> Plan:
    """Choose the kernel path of one convolution product (see the module docstring).

    Parameters
    ----------
    product : {"forward", "input_grad", "weight_grad", "backward", "forward_and_weight_grad"}
        ``backward`` is the input, weight and bias gradients of one call
        (:func:`~autograd.kernels.conv.conv2d_backward`): a fused path, or ``separate``.
    x_shape, w_shape : tuple of int
        ``(N, C, H, W)`` and ``(O, C // groups, kh, kw)``.
    geometry : ConvGeometry
        Normalized stride, padding, dilation and groups.
    finite : (bool or None, bool or None, bool or None)
        What is known of ``x``, ``w`` and ``gy`` being free of inf and NaN.
    output_mask : (bool, bool, bool)
        ``backward`` only: which of the input, weight and bias gradients are wanted.
    gy_shape : tuple of int, optional
        The output gradient's shape when it is spatially smaller than the convolution's output
        (a transposed convolution's ``output_padding``); None when it is the full output.
    limits : Limits
        The thresholds.
    cold : frozenset of str
        ``{"direct"}`` while the dense stride-1 direct kernels are not to be compiled yet
        (:class:`~autograd.kernels._jit.StandIn`): the column paths stand in (the forward's
        column kernels for all three products, so that no other kernel compiles meanwhile), and
        the plan says so in :attr:`Plan.stand_in`.

    Returns
    -------
    Plan

    Examples
    --------
    >>> g = ConvGeometry(padding=(1, 1))
    >>> plan("forward", (8, 64, 32, 32), (64, 64, 3, 3), g, finite=(True, True, None))
    Plan(path='winograd', check=())
    >>> plan("forward", (8, 64, 32, 32), (64, 64, 3, 3), g)
    Plan(path='winograd', check=('x', 'w'))
    >>> plan("forward", (1, 64, 32, 32), (64, 64, 3, 3), g, finite=(False, None, None)).path
    'gemm_wide'
    >>> plan("forward", (8, 64, 32, 32), (64, 64, 3, 3), g, finite=(False, None, None)).path
    'gemm'
    >>> plan("forward", (2, 64, 7, 7), (64, 64, 3, 3), g).path  # 98 columns: BLAS's threads
    'gemm_wide'
    >>> plan("forward", (8, 64, 32, 32), (64, 1, 3, 3), g._replace(groups=64)).path
    'direct_wide'
    >>> p = plan("forward", (1, 3, 32, 32), (16, 3, 3, 3), g, cold=frozenset({"direct"}))
    >>> p.path, p.stand_in, p.instead
    ('gemm_wide', True, 'direct_wide')
    """
    direct = _direct(w_shape, geometry, limits)
    narrow = _few_outputs(w_shape, geometry, limits)
    # Dense stride-1 direct kernels (thin groups keep theirs: their other paths are far slower).
    stand_in = (direct or narrow) and "direct" in cold and geometry.groups == 1
    chosen = _choose(product, x_shape, w_shape, geometry, finite, output_mask, gy_shape, limits,
                     direct and not stand_in, narrow and not stand_in, stand_in)  # fmt: skip
    if not stand_in:
        return chosen
    warm = _choose(product, x_shape, w_shape, geometry, finite, output_mask, gy_shape, limits,
                   direct, narrow, False)  # fmt: skip
    if warm.path == chosen.path:  # the same path either way: nothing stands in
        return chosen
    direct_path = warm.path.startswith("direct")
    return replace(chosen, stand_in=True, instead=warm.path if direct_path else None)


def _choose(
    product: Product, x_shape: tuple, w_shape: tuple, g: ConvGeometry, finite: Finite,
    output_mask: tuple[bool, bool, bool], gy_shape: tuple | None, limits: Limits, direct: bool,
    narrow: bool, stand_in: bool,
) -> Plan:  # fmt: skip
    # direct: the direct kernels for every product; narrow (few output channels): for the
    # forward and the weight gradient only (Limits.direct_max_out_channels).
    N, C = x_shape[:2]
    O, cg = w_shape[:2]
    s1 = g.stride == (1, 1)
    if N == 0 or O == 0 or cg == 0:
        return Plan("separate" if product in ("backward", "forward_and_weight_grad") else "empty")
    out = tuple(
        conv_output_size(x_shape[2 + a], w_shape[2 + a], g.stride[a], g.padding[a], g.dilation[a])
        for a in (0, 1)
    )
    full = gy_shape is None or tuple(gy_shape[2:]) == out
    winograd = _winograd(x_shape, w_shape, g, limits)
    dense = _dense(x_shape, w_shape, g, limits)
    pixels = out[0] * out[1] if gy_shape is None else gy_shape[2] * gy_shape[3]
    wide = _wide(x_shape, w_shape, g, pixels, limits)
    if winograd and product in _WINOGRAD_OPERANDS:
        ok, check = _requires(finite, *_WINOGRAD_OPERANDS[product])
        if ok:
            return Plan("winograd", check)
    if full and _phases(x_shape, w_shape, g, limits):
        operands = _PHASES_OPERANDS.get(product)
        ok, check = _requires(finite, *operands) if operands else (False, ())
        if ok:
            return Plan("phases", check)
    if product == "forward":
        # Padded taps must not multiply a non-finite weight (see the module docstring).
        w_ok, pad_check = _padded_requires(g, finite, "w")
        if not w_ok:
            return Plan("direct_taps")
        if direct:
            return Plan("direct_wide" if s1 else "direct", pad_check)
        if _pointwise(w_shape, g):
            return Plan("pointwise")
        if dense:
            x_ok, x_check = _requires(finite, "x")
            if x_ok:
                return Plan("dense", x_check)
        if narrow:
            return Plan("direct_wide", pad_check)
        return Plan("gemm_wide" if wide else "gemm", pad_check)
    if product == "input_grad":
        w_ok, w_check = _requires(finite, "w")
        if direct and s1 and w_ok:
            return Plan("direct_one_pass", w_check)
        if _thin_groups(w_shape, g, limits):
            return Plan("direct")
        if _pointwise(w_shape, g) and full:
            return Plan("pointwise")
        if dense and full:
            gy_ok, gy_check = _requires(finite, "gy")
            if gy_ok:
                return Plan("dense", gy_check)
        return Plan("gemm_wide", w_check) if wide and w_ok else Plan("gemm")
    if product == "weight_grad":
        # Padded taps must not multiply a non-finite gy (see the module docstring).
        gy_ok, pad_check = _padded_requires(g, finite, "gy")
        if not gy_ok:
            return Plan("direct")
        x_ok = finite[0] is not False
        if direct and s1 and x_ok:
            return Plan("direct_one_pass", pad_check)
        if _pointwise(w_shape, g) and full:
            return Plan("pointwise")
        if _thin_groups(w_shape, g, limits):
            return Plan("direct")
        if dense and full:
            return Plan("dense")  # exact for any values (see the module docstring)
        if narrow and x_ok:
            return Plan("direct_one_pass", pad_check)
        # A stand-in keeps to the column kernels its forward compiled (see ``cold``).
        few = _products(w_shape) <= limits.batched_max_products
        if g.groups == 1 and few and not stand_in:
            return Plan("batched", pad_check)
        return Plan("gemm_wide" if wide and x_ok else "gemm", pad_check)
    if product == "backward":
        # A padded one-pass weight gradient needs a finite gy too: like Winograd's, the caller
        # reads that from the pass's sums (the bias gradient) and redoes the weight gradient.
        need_x, need_w = output_mask[0], output_mask[1]
        if need_x and need_w and winograd:
            # gy's finiteness comes with the pass (its sums); x and w must be known first.
            ok, check = _requires(finite, "x", "w", "gy")
            if ok:
                return Plan("winograd", tuple(n for n in check if n != "gy"))
        if need_w and direct and s1:
            if need_x:
                w_ok, w_check = _requires(finite, "w")
                if w_ok:
                    return Plan("direct_one_pass", w_check)
            elif finite[0] is not False:
                return Plan("direct_one_pass")
        # Few output channels, no input gradient: the weight gradient's path, in one pass with
        # the sums (with an input gradient, the direct one would scatter).
        columns_first = _pointwise(w_shape, g) or (dense and full)
        if need_w and not need_x and narrow and finite[0] is not False and not columns_first:
            return Plan("direct_one_pass")
        return Plan("separate")
    if product == "forward_and_weight_grad":
        # The phases (above) share their input transform, the strided column layout its
        # column matrix; the other paths gain nothing from pairing. The column matrix
        # multiplies padding by w and by gy: both must be finite then.
        shared = not s1 and full and not _thin_groups(w_shape, g, limits)
        ok, check = _padded_requires(g, finite, "w", "gy")
        return Plan("shared_gemm", check) if shared and ok else Plan("separate")
    raise ValueError(f"plan: unknown product {product!r}")
