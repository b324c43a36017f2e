"""Image transforms with torchvision's names and semantics, on Tensors of shape ``(..., C, H, W)``.

``ToTensor`` turns arrays (``H x W x C`` or ``H x W``) into ``C x H x W`` tensors; the other
transforms take tensor images and, like torchvision's, apply one random draw to the whole input
(a batch ``(N, C, H, W)`` is cropped, flipped or rotated as one). Random draws come from
``autograd.default_generator`` (seeded by ``autograd.manual_seed``) or from the ``generator``
given to the transform. Cropping, flipping, padding, rotation and normalization are written with
differentiable tensor ops, so gradients flow through them to a floating-point input.

Examples
--------
>>> import numpy as np
>>> import autograd
>>> from nn.data import transforms as T
>>> _ = autograd.manual_seed(0)
>>> augment = T.Compose([
...     T.ToTensor(),
...     T.RandomCrop(8, padding=2),
...     T.RandomHorizontalFlip(),
...     T.Normalize((0.5,), (0.25,)),
... ])
>>> image = np.zeros((8, 8), dtype=np.uint8)
>>> augment(image).shape
(1, 8, 8)
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

import numpy as np

import autograd
from autograd import Generator, Tensor

from ..module import Module
from .sampler import _check_generator, _draws

__all__ = [
    "Compose", "ToTensor", "Normalize", "RandomCrop", "RandomHorizontalFlip", "RandomRotation",
    "Lambda", "InterpolationMode",
]  # fmt: skip

_PADDING_MODES = ("constant", "edge", "reflect", "symmetric")


class InterpolationMode(Enum):
    """How a geometric transform reads between pixels: ``NEAREST`` or ``BILINEAR``.

    Examples
    --------
    >>> from nn.data.transforms import InterpolationMode
    >>> InterpolationMode("bilinear")
    <InterpolationMode.BILINEAR: 'bilinear'>
    """

    NEAREST = "nearest"
    BILINEAR = "bilinear"


# ---------------------------------------------------------------------------- argument checks


def _check_image(img: Any, fn: str, min_ndim: int = 2) -> None:
    if not isinstance(img, Tensor):
        raise TypeError(
            f"{fn}: img should be a Tensor of shape (..., C, H, W) (convert arrays with "
            f"ToTensor first), got {type(img).__name__}"
        )
    if img.ndim < min_ndim:
        layout = "(..., C, H, W)" if min_ndim == 3 else "(..., H, W)"
        raise ValueError(
            f"{fn}: img should be a tensor image of shape {layout}, got shape {tuple(img.shape)}"
        )


def _is_int(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _setup_size(size: Any, fn: str) -> tuple[int, int]:
    """``size`` as ``(h, w)``: an int is a square; a sequence has one or two positive ints."""
    if _is_int(size):
        pair: Sequence[Any] = (size, size)
    elif isinstance(size, Sequence) and len(size) in (1, 2):
        pair = (size[0], size[0]) if len(size) == 1 else size
    else:
        raise ValueError(
            f"{fn}: size should be an int or a sequence of one or two ints (h, w), got {size!r}"
        )
    if not all(_is_int(s) and s > 0 for s in pair):
        raise ValueError(f"{fn}: size should hold positive ints, got {size!r}")
    return int(pair[0]), int(pair[1])


def _parse_padding(padding: Any, fn: str) -> tuple[int, int, int, int]:
    """torchvision's padding forms, as ``(left, top, right, bottom)``."""
    if _is_int(padding):
        return (int(padding),) * 4
    if not isinstance(padding, (tuple, list)) or not all(_is_int(p) for p in padding):
        raise TypeError(f"{fn}: padding should be an int or a sequence of ints, got {padding!r}")
    if len(padding) == 1:
        return (int(padding[0]),) * 4
    if len(padding) == 2:
        return int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1])
    if len(padding) == 4:
        return tuple(int(p) for p in padding)  # type: ignore[return-value]
    raise ValueError(
        f"{fn}: padding should be an int or a 1, 2 or 4 element sequence, got {len(padding)} "
        f"elements"
    )


def _check_fill_number(fill: Any, fn: str) -> float:
    if not _is_number(fill):
        raise TypeError(f"{fn}: fill should be a number for tensor images, got {fill!r}")
    return fill


# ---------------------------------------------------------------------------- pixel gathering


def _fill_tensor(fill: Sequence[float], img: Tensor) -> Tensor:
    """Per-channel fill values shaped to broadcast against ``(..., C, H, W)``."""
    values = np.asarray(fill, dtype=np.float64).astype(img.dtype)
    return autograd.from_numpy(values.reshape(-1, 1, 1))


def _gather(img: Tensor, rows: np.ndarray, cols: np.ndarray, fill: Any) -> Tensor:
    """``img[..., rows, cols]`` (index arrays broadcast to one grid); index -1 reads ``fill``."""
    rows, cols = np.broadcast_arrays(rows, cols)
    inside = (rows >= 0) & (cols >= 0)
    out = img[..., np.where(inside, rows, 0), np.where(inside, cols, 0)]
    if inside.all():
        return out
    value = fill if isinstance(fill, Tensor) else autograd.tensor(fill, dtype=img.dtype)
    return autograd.where(autograd.from_numpy(inside), out, value)


def _pad_index(n: int, before: int, after: int, mode: str, fn: str) -> np.ndarray:
    """Source index of each padded position along one axis (``-1`` = constant fill).

    A negative amount removes that many positions instead, as torchvision's tensor padding does.
    """
    index = np.arange(n)[max(-before, 0) : n - max(-after, 0)]
    before, after = max(before, 0), max(after, 0)
    if index.size == 0:
        raise ValueError(f"{fn}: negative padding removes all {n} rows or columns of the image")
    if mode == "constant":
        return np.pad(index, (before, after), constant_values=-1)
    # torch pads at most size - 1 by reflection and size by symmetry; NumPy would wrap around.
    limit = {"reflect": index.size - 1, "symmetric": index.size}.get(mode)
    if limit is not None and max(before, after) > limit:
        raise ValueError(
            f"{fn}: {mode} padding of {max(before, after)} needs a dimension larger than "
            f"{max(before, after) - (mode == 'symmetric')}, the image has {index.size}"
        )
    return np.pad(index, (before, after), mode=mode)


def _pad(img: Tensor, padding: Sequence[int], fill: float, mode: str, fn: str) -> Tensor:
    left, top, right, bottom = padding
    h, w = img.shape[-2:]
    rows = _pad_index(h, top, bottom, mode, fn)[:, None]
    cols = _pad_index(w, left, right, mode, fn)[None, :]
    if mode == "constant" and img.dtype.kind in "iub":
        fill = np.asarray(fill).astype(img.dtype).item()
    return _gather(img, rows, cols, fill)


# ---------------------------------------------------------------------------- conversion


class Compose:
    """Apply transforms one after another.

    Parameters
    ----------
    transforms : sequence of callables
        Each takes the previous one's output.

    Examples
    --------
    >>> import autograd
    >>> from nn.data import transforms as T
    >>> t = T.Compose([T.Lambda(lambda x: x + 1), T.Lambda(lambda x: x * 2)])
    >>> t(autograd.zeros(1, 2, 2))[0, 0, 0].item()
    2.0
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        if isinstance(transforms, (str, bytes)) or not isinstance(transforms, Sequence):
            raise TypeError(
                f"Compose: transforms should be a sequence of callables, got "
                f"{type(transforms).__name__}"
            )
        for i, t in enumerate(transforms):
            if not callable(t):
                raise TypeError(
                    f"Compose: transforms[{i}] should be callable, got {type(t).__name__}"
                )
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        lines = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({lines}\n)"


class ToTensor:
    """Convert an ``H x W x C`` (or ``H x W``) array or PIL image to a ``C x H x W`` tensor.

    ``uint8`` data (and 8-bit PIL images) are scaled to float32 in ``[0, 1]``; other dtypes keep
    their dtype and values, as in torchvision.

    Examples
    --------
    >>> import numpy as np
    >>> from nn.data import transforms as T
    >>> x = T.ToTensor()(np.full((2, 3), 255, dtype=np.uint8))
    >>> x.shape, x.dtype, x.max().item()
    ((1, 2, 3), dtype('float32'), 1.0)
    """

    def __call__(self, pic: Any) -> Tensor:
        pil = sys.modules.get("PIL.Image")
        if pil is not None and isinstance(pic, pil.Image):
            array = np.array(pic, {"I": np.int32, "F": np.float32}.get(pic.mode, np.uint8))
            if pic.mode == "1":
                array = array * np.uint8(255)
            array = array.reshape(pic.size[1], pic.size[0], -1)
        elif isinstance(pic, np.ndarray):
            array = pic
        else:
            raise TypeError(
                f"ToTensor: pic should be a PIL Image or an ndarray, got {type(pic).__name__}"
            )
        if array.ndim not in (2, 3):
            raise ValueError(
                f"ToTensor: pic should be 2- or 3-dimensional (H x W or H x W x C), got shape "
                f"{array.shape}"
            )
        if array.ndim == 2:
            array = array[:, :, None]
        if array.dtype.kind not in "biuf":
            raise TypeError(f"ToTensor: pic has dtype {array.dtype}; expected a numeric array")
        chw = np.ascontiguousarray(array.transpose(2, 0, 1))
        if chw.dtype == np.uint8:
            chw = chw.astype(np.float32) / np.float32(255)
        try:
            return autograd.from_numpy(chw)
        except TypeError:
            raise TypeError(f"ToTensor: arrays of dtype {chw.dtype} are not supported") from None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Lambda:
    """Use a function as a transform.

    Examples
    --------
    >>> import autograd
    >>> from nn.data import transforms as T
    >>> T.Lambda(lambda x: x.flip(-1))(autograd.arange(3.0).reshape(1, 1, 3))
    tensor([[[2., 1., 0.]]])
    """

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Lambda: lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Normalize(Module):
    """``output[c] = (input[c] - mean[c]) / std[c]`` for each channel of ``(..., C, H, W)``.

    Parameters
    ----------
    mean, std : sequence of float (one per channel, or one for all)
    inplace : bool
        Overwrite the input instead of returning a new tensor.

    Examples
    --------
    >>> import autograd
    >>> from nn.data import transforms as T
    >>> x = autograd.ones(2, 1, 1)
    >>> T.Normalize(mean=(0.5, 1.0), std=(0.25, 2.0))(x).flatten()
    tensor([2., 0.])
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        super().__init__()
        for name, value in (("mean", mean), ("std", std)):
            values = value if isinstance(value, Sequence) else [value]
            if isinstance(value, (str, bytes)) or not all(_is_number(v) for v in values):
                raise TypeError(
                    f"Normalize: {name} should be a number or a sequence of numbers, got {value!r}"
                )
        self.mean, self.std, self.inplace = mean, std, bool(inplace)

    def forward(self, tensor: Tensor) -> Tensor:
        _check_image(tensor, "Normalize", min_ndim=3)
        if tensor.dtype.kind != "f":
            raise TypeError(f"Normalize: input should be a float tensor, got {tensor.dtype}")
        mean = np.asarray(self.mean, dtype=np.float64).astype(tensor.dtype).reshape(-1, 1, 1)
        std = np.asarray(self.std, dtype=np.float64).astype(tensor.dtype).reshape(-1, 1, 1)
        if (std == 0).any():
            raise ValueError(
                f"Normalize: std {self.std!r} evaluates to zero in {tensor.dtype}, which would "
                f"divide by zero"
            )
        channels = tensor.shape[-3]
        for name, values in (("mean", mean), ("std", std)):
            if values.shape[0] not in (1, channels):
                raise ValueError(
                    f"Normalize: {name} has {values.shape[0]} values for an image with "
                    f"{channels} channels; expected 1 or {channels}"
                )
        mean_t, std_t = autograd.from_numpy(mean), autograd.from_numpy(std)
        if self.inplace:
            return tensor.add_(mean_t, alpha=-1).div_(std_t)
        return (tensor - mean_t) / std_t

    def extra_repr(self) -> str:
        return f"mean={self.mean}, std={self.std}"


# ---------------------------------------------------------------------------- random geometry


class RandomCrop(Module):
    """Crop a random ``size`` window, after optional padding.

    Parameters
    ----------
    size : int or (h, w)
    padding : int or sequence of 1, 2 or 4 ints, optional
        Added before cropping: all sides; (left/right, top/bottom); or (left, top, right,
        bottom). Negative values crop instead.
    pad_if_needed : bool
        Pad an image smaller than ``size``. As in torchvision, the missing amount is added on
        *both* sides of that dimension.
    fill : number
        Value of ``constant`` padding.
    padding_mode : {"constant", "edge", "reflect", "symmetric"}
        ``reflect`` mirrors without repeating the edge (``[3 2 | 1 2 3 4]``), ``symmetric``
        with it (``[2 1 | 1 2 3 4]``).
    generator : autograd.Generator, optional
        Source of the crop position (else ``autograd.default_generator``).

    Examples
    --------
    >>> import autograd
    >>> from nn.data import transforms as T
    >>> crop = T.RandomCrop(4, padding=2, generator=autograd.Generator(0))
    >>> crop(autograd.ones(3, 4, 4)).shape
    (3, 4, 4)
    >>> crop
    RandomCrop(size=(4, 4), padding=2)
    """

    def __init__(
        self,
        size: int | Sequence[int],
        padding: int | Sequence[int] | None = None,
        pad_if_needed: bool = False,
        fill: float = 0,
        padding_mode: str = "constant",
        *,
        generator: Generator | None = None,
    ) -> None:
        super().__init__()
        self.size = _setup_size(size, "RandomCrop")
        if padding is not None:
            _parse_padding(padding, "RandomCrop")
        _check_fill_number(fill, "RandomCrop")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"RandomCrop: padding_mode should be one of {', '.join(_PADDING_MODES)}, got "
                f"{padding_mode!r}"
            )
        self.padding, self.pad_if_needed = padding, bool(pad_if_needed)
        self.fill, self.padding_mode = fill, padding_mode
        self.generator = _check_generator(generator, "RandomCrop")

    @staticmethod
    def get_params(
        img: Tensor, output_size: tuple[int, int], generator: Generator | None = None
    ) -> tuple[int, int, int, int]:
        """A random crop window ``(top, left, height, width)`` of ``output_size`` inside ``img``.

        Examples
        --------
        >>> import autograd
        >>> from nn.data import transforms as T
        >>> T.RandomCrop.get_params(autograd.zeros(1, 4, 4), (4, 4))
        (0, 0, 4, 4)
        """
        _check_image(img, "RandomCrop")
        h, w = img.shape[-2:]
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(
                f"RandomCrop: crop size {(th, tw)} is larger than the input image size {(h, w)}"
            )
        if (h, w) == (th, tw):
            return 0, 0, h, w
        gen = _draws(_check_generator(generator, "RandomCrop"))
        top = int(gen.integers(0, h - th + 1, None))
        left = int(gen.integers(0, w - tw + 1, None))
        return top, left, th, tw

    def forward(self, img: Tensor) -> Tensor:
        _check_image(img, "RandomCrop")
        if self.padding is not None:
            padding = _parse_padding(self.padding, "RandomCrop")
            img = _pad(img, padding, self.fill, self.padding_mode, "RandomCrop")
        th, tw = self.size
        h, w = img.shape[-2:]
        if self.pad_if_needed and w < tw:
            img = _pad(img, (tw - w, 0, tw - w, 0), self.fill, self.padding_mode, "RandomCrop")
        if self.pad_if_needed and h < th:
            img = _pad(img, (0, th - h, 0, th - h), self.fill, self.padding_mode, "RandomCrop")
        top, left, th, tw = self.get_params(img, self.size, self.generator)
        return img[..., top : top + th, left : left + tw]

    def extra_repr(self) -> str:
        return f"size={self.size}, padding={self.padding}"


class RandomHorizontalFlip(Module):
    """Mirror left-right with probability ``p`` (one draw per call, batch included).

    Examples
    --------
    >>> import autograd
    >>> from nn.data import transforms as T
    >>> T.RandomHorizontalFlip(p=1.0)(autograd.arange(3.0).reshape(1, 1, 3))
    tensor([[[2., 1., 0.]]])
    """

    def __init__(self, p: float = 0.5, *, generator: Generator | None = None) -> None:
        super().__init__()
        if not _is_number(p) or not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: p should be a number in [0, 1], got {p!r}")
        self.p = p
        self.generator = _check_generator(generator, "RandomHorizontalFlip")

    def forward(self, img: Tensor) -> Tensor:
        _check_image(img, "RandomHorizontalFlip")
        if _draws(self.generator).random(None) < self.p:
            return img.flip(-1)
        return img

    def extra_repr(self) -> str:
        return f"p={self.p}"


def _rotation_grid(
    h: int, w: int, angle: float, center: Sequence[float] | None, expand: bool
) -> tuple[np.ndarray, np.ndarray]:
    """For each output pixel, the (x, y) position it reads in the input, in pixel indices.

    Positions are measured from the image center; rotating the output grid by ``-angle`` around
    ``center`` finds where each output pixel comes from (counter-clockwise on screen for a
    positive angle). With ``expand``, the output grows to hold the whole rotated image.
    """
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    cx, cy = (0.0, 0.0) if center is None else (center[0] - w / 2, center[1] - h / 2)
    oh, ow = h, w
    if expand:
        corners = np.array([[-w, -h], [-w, h], [w, h], [w, -h]], dtype=np.float32) / 2
        x = cos * (corners[:, 0] - cx) - sin * (corners[:, 1] - cy) + cx + w / 2
        y = sin * (corners[:, 0] - cx) + cos * (corners[:, 1] - cy) + cy + h / 2
        extent = []
        for v in (x.astype(np.float32), y.astype(np.float32)):
            # drop digits below 1e-4 first, so 1e-15 of rounding does not add a pixel
            low = np.floor(np.trunc(v.min() / np.float32(1e-4)) * np.float32(1e-4))
            high = np.ceil(np.trunc(v.max() / np.float32(1e-4)) * np.float32(1e-4))
            extent.append(int(high - low))
        ow, oh = extent
    x = np.arange(ow) + 0.5 - ow / 2 - cx
    y = (np.arange(oh) + 0.5 - oh / 2)[:, None] - cy
    src_x = cos * x - sin * y + cx + (w - 1) / 2
    src_y = sin * x + cos * y + cy + (h - 1) / 2
    return src_x, src_y


def _in_bounds(rows: np.ndarray, cols: np.ndarray, h: int, w: int) -> np.ndarray:
    return (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)


def _rotate(
    img: Tensor, angle: float, mode: InterpolationMode, expand: bool,
    center: Sequence[float] | None, fill: Sequence[float],
) -> Tensor:  # fmt: skip
    out_dtype = img.dtype
    if out_dtype.kind != "f":
        img = img.to(autograd.float32)
    h, w = img.shape[-2:]
    src_x, src_y = _rotation_grid(h, w, angle, center, expand)
    fill_t = _fill_tensor(fill, img)
    if mode is InterpolationMode.NEAREST:
        cols, rows = np.rint(src_x), np.rint(src_y)
        rows, cols = np.broadcast_arrays(rows.astype(np.int64), cols.astype(np.int64))
        inside = _in_bounds(rows, cols, h, w)
        out = _gather(img, np.where(inside, rows, -1), np.where(inside, cols, -1), fill_t)
    else:
        x0, y0 = np.floor(src_x), np.floor(src_y)
        out, coverage = None, 0.0
        for dy, dx in ((0, 0), (0, 1), (1, 0), (1, 1)):
            rows, cols = np.broadcast_arrays((y0 + dy).astype(np.int64), (x0 + dx).astype(np.int64))
            weight = (1 - np.abs(src_y - y0 - dy)) * (1 - np.abs(src_x - x0 - dx))
            inside = _in_bounds(rows, cols, h, w)
            weight = np.where(inside, weight, 0.0)
            coverage = coverage + weight
            term = _gather(img, np.where(inside, rows, 0), np.where(inside, cols, 0), 0)
            term = term * autograd.from_numpy(weight.astype(img.dtype))
            out = term if out is None else out + term
        # torchvision blends with the fill by the share of the footprint inside the image
        # (and applies that share to the sampled value once more).
        coverage_t = autograd.from_numpy(coverage.astype(img.dtype))
        out = out * coverage_t + (1 - coverage_t) * fill_t
    if out_dtype.kind != "f":
        out = out.round().to(out_dtype)
    return out


class RandomRotation(Module):
    """Rotate by an angle drawn uniformly from ``degrees`` (counter-clockwise for positive).

    Parameters
    ----------
    degrees : number or (min, max)
        A number ``d`` means ``(-d, d)``.
    interpolation : InterpolationMode or {"nearest", "bilinear"}
    expand : bool
        Grow the output so the whole rotated image fits (else keep the input size).
    center : (x, y), optional
        Rotation center in pixel coordinates, the image spanning ``[0, W] x [0, H]``; default its
        middle.
    fill : number or sequence (one value per channel)
        Value of the area outside the rotated image. With bilinear interpolation the border
        pixels blend with it as in torchvision.
    generator : autograd.Generator, optional
        Source of the angle (else ``autograd.default_generator``).

    Works on ``(..., C, H, W)``; integer images are interpolated in float32 and rounded back.

    Examples
    --------
    >>> import autograd
    >>> from nn.data import transforms as T
    >>> x = autograd.arange(4.0).reshape(1, 2, 2)
    >>> T.RandomRotation((90, 90))(x)  # exactly 90 degrees, counter-clockwise
    tensor([[[1., 3.],
             [0., 2.]]])
    """

    def __init__(
        self,
        degrees: float | Sequence[float],
        interpolation: InterpolationMode | str = InterpolationMode.NEAREST,
        expand: bool = False,
        center: Sequence[float] | None = None,
        fill: float | Sequence[float] = 0,
        *,
        generator: Generator | None = None,
    ) -> None:
        super().__init__()
        if _is_number(degrees):
            if degrees < 0:
                raise ValueError(
                    f"RandomRotation: degrees as a single number must be non-negative, got "
                    f"{degrees}"
                )
            degrees = (-degrees, degrees)
        elif not (isinstance(degrees, Sequence) and len(degrees) == 2):
            raise ValueError(
                f"RandomRotation: degrees should be a number or a sequence (min, max), got "
                f"{degrees!r}"
            )
        if not all(_is_number(d) for d in degrees) or degrees[0] > degrees[1]:
            raise ValueError(
                f"RandomRotation: degrees should be two numbers with min <= max, got {degrees!r}"
            )
        self.degrees = [float(d) for d in degrees]
        try:
            self.interpolation = InterpolationMode(interpolation)
        except ValueError:
            modes = ", ".join(repr(m.value) for m in InterpolationMode)
            raise ValueError(
                f"RandomRotation: interpolation should be one of {modes}, got {interpolation!r}"
            ) from None
        if center is not None and not (
            isinstance(center, Sequence) and len(center) == 2 and all(map(_is_number, center))
        ):
            raise ValueError(f"RandomRotation: center should be a pair (x, y), got {center!r}")
        fills = fill if isinstance(fill, Sequence) else [fill]
        if isinstance(fill, (str, bytes)) or not fills or not all(map(_is_number, fills)):
            raise TypeError(
                f"RandomRotation: fill should be a number or a sequence of numbers, got {fill!r}"
            )
        self.expand, self.center, self.fill = bool(expand), center, fill
        self.generator = _check_generator(generator, "RandomRotation")

    @staticmethod
    def get_params(degrees: Sequence[float], generator: Generator | None = None) -> float:
        """An angle drawn uniformly from ``[degrees[0], degrees[1]]``.

        Examples
        --------
        >>> from nn.data import transforms as T
        >>> T.RandomRotation.get_params([30.0, 30.0])
        30.0
        """
        gen = _draws(_check_generator(generator, "RandomRotation"))
        return float(gen.uniform(float(degrees[0]), float(degrees[1]), None))

    def forward(self, img: Tensor) -> Tensor:
        _check_image(img, "RandomRotation", min_ndim=3)
        channels = img.shape[-3]
        fill = [float(f) for f in self.fill] if isinstance(self.fill, Sequence) else [self.fill]
        if len(fill) not in (1, channels):
            raise ValueError(
                f"RandomRotation: fill has {len(fill)} values for an image with {channels} "
                f"channels; expected 1 or {channels}"
            )
        angle = self.get_params(self.degrees, self.generator)
        return _rotate(img, angle, self.interpolation, self.expand, self.center, fill)

    def extra_repr(self) -> str:
        center = "" if self.center is None else f", center={self.center}"
        return (
            f"degrees={self.degrees}, interpolation={self.interpolation.value}, "
            f"expand={self.expand}{center}, fill={self.fill}"
        )
