"""nn.data.transforms against torchvision's documented semantics (written out here by hand).

torchvision is not a dependency; where its tensor code path is a composition of PyTorch ops
(rotation = an affine sampling grid + ``grid_sample`` + a fill mask), the reference below rebuilds
that path with PyTorch and compares, skipping cleanly without it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd
from nn.data import transforms as T


def _t(array):
    return autograd.from_numpy(np.ascontiguousarray(array))


def _image(shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).random(shape).astype(dtype)


# -------------------------------------------------------------------------------- ToTensor
def test_to_tensor_scales_uint8_hwc_to_chw_float():
    array = np.random.default_rng(0).integers(0, 256, (5, 4, 3), dtype=np.uint8)
    out = T.ToTensor()(array)
    assert out.shape == (3, 5, 4) and out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), array.transpose(2, 0, 1).astype(np.float32) / 255)
    assert out.numpy().max() <= 1.0


def test_to_tensor_adds_a_channel_to_hw_and_keeps_other_dtypes_unscaled():
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert T.ToTensor()(gray).shape == (1, 3, 4)
    floats = np.arange(12.0).reshape(3, 4)  # float64, values well above 1
    out = T.ToTensor()(floats)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out.numpy()[0], floats)
    ints = np.arange(6, dtype=np.int32).reshape(1, 2, 3)
    assert T.ToTensor()(ints).dtype == np.int32
    transposed = np.arange(24, dtype=np.uint8).reshape(4, 3, 2).transpose(1, 0, 2)  # a view
    np.testing.assert_array_equal(
        T.ToTensor()(transposed).numpy() * 255, transposed.transpose(2, 0, 1)
    )


def test_to_tensor_reads_pil_images():
    image_mod = pytest.importorskip("PIL.Image")
    rgb = np.random.default_rng(1).integers(0, 256, (4, 6, 3), dtype=np.uint8)
    out = T.ToTensor()(image_mod.fromarray(rgb))
    assert out.shape == (3, 4, 6)
    np.testing.assert_array_equal(out.numpy(), rgb.transpose(2, 0, 1).astype(np.float32) / 255)
    binary = image_mod.fromarray(np.array([[0, 255], [255, 0]], np.uint8)).convert("1")
    np.testing.assert_array_equal(T.ToTensor()(binary).numpy()[0], [[0, 1], [1, 0]])
    floats = image_mod.fromarray(np.array([[1.5, 300.0]], np.float32), mode="F")
    np.testing.assert_array_equal(T.ToTensor()(floats).numpy(), [[[1.5, 300.0]]])


def test_to_tensor_bad_inputs():
    with pytest.raises(
        TypeError, match="ToTensor: pic should be a PIL Image or an ndarray, got list"
    ):
        T.ToTensor()([[0, 1]])
    with pytest.raises(TypeError, match="got Tensor"):
        T.ToTensor()(autograd.zeros(1, 2, 2))
    with pytest.raises(ValueError, match=r"2- or 3-dimensional.*\(1, 2, 2, 3\)"):
        T.ToTensor()(np.zeros((1, 2, 2, 3), np.uint8))
    with pytest.raises(TypeError, match="ToTensor: pic has dtype <U1"):
        T.ToTensor()(np.array([["a"]]))
    with pytest.raises(TypeError, match="ToTensor: arrays of dtype uint16"):
        T.ToTensor()(np.zeros((2, 2), np.uint16))


# -------------------------------------------------------------------------------- Normalize
def test_normalize_per_channel_and_batched():
    x = _image((2, 3, 4, 5), np.float32)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    expected = (x - np.array(mean, np.float32)[:, None, None]) / np.array(std, np.float32)[
        :, None, None
    ]
    out = T.Normalize(mean, std)(_t(x))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(T.Normalize(mean, std)(_t(x[0])).numpy(), expected[0], rtol=1e-6)
    one = T.Normalize([0.5], [0.5])(_t(x)).numpy()  # one value for every channel
    np.testing.assert_allclose(one, (x - 0.5) / 0.5, rtol=1e-6)


def test_normalize_inplace_or_not():
    x = _t(_image((1, 2, 2)))
    before = x.numpy().copy()
    out = T.Normalize((1.0,), (2.0,))(x)
    np.testing.assert_array_equal(x.numpy(), before)  # the input is left alone
    same = T.Normalize((1.0,), (2.0,), inplace=True)(x)
    assert same is x
    np.testing.assert_allclose(x.numpy(), out.numpy())


def test_normalize_is_differentiable():
    x = autograd.from_numpy(_image((2, 3, 3))).requires_grad_(True)
    T.Normalize((0.0, 1.0), (2.0, 4.0))(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[:, 0, 0], [0.5, 0.25])


def test_normalize_bad_inputs():
    norm = T.Normalize((0.5, 0.5), (0.5, 0.5))
    with pytest.raises(TypeError, match="Normalize: input should be a float tensor, got int64"):
        norm(autograd.zeros(2, 2, 2, dtype=autograd.int64))
    with pytest.raises(ValueError, match=r"shape \(\.\.\., C, H, W\), got shape \(4, 4\)"):
        norm(autograd.zeros(4, 4))
    with pytest.raises(ValueError, match="mean has 2 values for an image with 3 channels"):
        norm(autograd.zeros(3, 2, 2))
    with pytest.raises(ValueError, match="std .* zero"):
        T.Normalize((0.0,), (0.0,))(autograd.zeros(1, 2, 2))
    with pytest.raises(TypeError, match="img should be a Tensor.*got ndarray"):
        norm(np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match="Normalize: std should be a number or a sequence"):
        T.Normalize((0.5,), "0.5")
    assert repr(norm) == "Normalize(mean=(0.5, 0.5), std=(0.5, 0.5))"


# -------------------------------------------------------------------------------- RandomCrop
ROW = np.array([[[1.0, 2.0, 3.0, 4.0]]])  # (C=1, H=1, W=4)


@pytest.mark.parametrize(
    "mode, expected",
    [
        # torchvision's documentation examples for padding [1, 2, 3, 4] by 2 on both sides
        ("reflect", [3, 2, 1, 2, 3, 4, 3, 2]),
        ("symmetric", [2, 1, 1, 2, 3, 4, 4, 3]),
        ("edge", [1, 1, 1, 2, 3, 4, 4, 4]),
        ("constant", [9, 9, 1, 2, 3, 4, 9, 9]),
    ],
)
def test_random_crop_padding_modes(mode, expected):
    crop = T.RandomCrop((1, 8), padding=(2, 0), padding_mode=mode, fill=9)  # nothing random
    np.testing.assert_array_equal(crop(_t(ROW)).numpy()[0, 0], expected)


def test_random_crop_padding_forms():
    x = _t(np.ones((1, 3, 4)))
    # (left, top, right, bottom)
    out = T.RandomCrop((3 + 2 + 4, 4 + 1 + 3), padding=(1, 2, 3, 4))(x).numpy()[0]
    assert out.shape == (9, 8)
    assert out[2:5, 1:5].all() and out.sum() == 12
    out = T.RandomCrop((3 + 4, 4 + 2), padding=(1, 2))(x).numpy()[0]  # (left/right, top/bottom)
    assert out[2:5, 1:5].all() and out.sum() == 12
    out = T.RandomCrop((5, 6), padding=[1])(x).numpy()[0]
    assert out[1:4, 1:5].all() and out.sum() == 12
    # negative padding removes rows/columns
    out = T.RandomCrop((1, 2), padding=(-1, -1))(_t(np.arange(12.0).reshape(1, 3, 4))).numpy()
    np.testing.assert_array_equal(out, [[[5.0, 6.0]]])


def test_random_crop_matches_torch_pad(torch):
    x = _image((2, 3, 5, 6))
    for ours, theirs in [("reflect", "reflect"), ("edge", "replicate"), ("constant", "constant")]:
        expected = torch.nn.functional.pad(torch.from_numpy(x), (2, 3, 1, 4), mode=theirs)
        out = T.RandomCrop((10, 11), padding=(2, 1, 3, 4), padding_mode=ours)(_t(x))
        np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_random_crop_windows_are_uniform_and_batched():
    x = _t(np.arange(2 * 36.0).reshape(2, 1, 6, 6))
    crop = T.RandomCrop(4, generator=autograd.Generator(0))
    offsets = set()
    for _ in range(200):
        out = crop(x).numpy()
        top, left = divmod(int(out[0, 0, 0, 0]), 6)
        offsets.add((top, left))
        # one window for the whole batch
        np.testing.assert_array_equal(out, x.numpy()[:, :, top : top + 4, left : left + 4])
    assert offsets == {(i, j) for i in range(3) for j in range(3)}


def test_random_crop_pad_if_needed_pads_both_sides_by_the_shortfall():
    x = _t(np.ones((1, 3, 5)))
    crop = T.RandomCrop((3, 8), pad_if_needed=True, generator=autograd.Generator(1))
    lefts = set()
    for _ in range(100):
        out = crop(x).numpy()[0, 0]
        assert out.shape == (8,) and out.sum() == 5  # the 5 image columns, always whole
        lefts.add(int(np.argmax(out)))
    # padded to 3 + 5 + 3 = 11 columns, so the image starts anywhere from column 0 to 3
    assert lefts == {0, 1, 2, 3}
    assert T.RandomCrop(4, pad_if_needed=True)(_t(np.ones((1, 2, 2)))).shape == (1, 4, 4)


def test_random_crop_gradient_and_dtype():
    x = autograd.from_numpy(_image((1, 4, 4))).requires_grad_(True)
    out = T.RandomCrop(4, padding=1, generator=autograd.Generator(3))(x)
    out.sum().backward()
    # every input pixel is in the window unless the window cut it off at the border
    kept = (out.detach().numpy() != 0).sum()
    assert x.grad.numpy().sum() == kept and set(np.unique(x.grad.numpy())) <= {0.0, 1.0}
    u8 = autograd.from_numpy(np.full((1, 2, 2), 200, np.uint8))
    out = T.RandomCrop(4, padding=1, fill=7)(u8)
    assert out.dtype == np.uint8 and sorted(np.unique(out.numpy())) == [7, 200]


def test_random_crop_seeding():
    x = _t(np.arange(100.0).reshape(1, 10, 10))
    crop = T.RandomCrop(3)
    autograd.manual_seed(5)
    first = [crop(x).numpy() for _ in range(5)]
    autograd.manual_seed(5)
    np.testing.assert_array_equal(first, [crop(x).numpy() for _ in range(5)])
    own = T.RandomCrop(3, generator=autograd.Generator(5))
    state = autograd.default_generator.get_state()
    mine = [own(x).numpy() for _ in range(5)]
    assert autograd.default_generator.get_state() == state  # the global generator is untouched
    np.testing.assert_array_equal(mine, first)


def test_random_crop_bad_inputs():
    with pytest.raises(ValueError, match="RandomCrop: size should be an int or a sequence"):
        T.RandomCrop((1, 2, 3))
    with pytest.raises(ValueError, match="positive ints, got 0"):
        T.RandomCrop(0)
    with pytest.raises(ValueError, match="1, 2 or 4 element sequence, got 3"):
        T.RandomCrop(2, padding=(1, 2, 3))
    with pytest.raises(TypeError, match="padding should be an int or a sequence of ints, got 1.5"):
        T.RandomCrop(2, padding=1.5)
    with pytest.raises(ValueError, match="padding_mode should be one of .* got 'wrap'"):
        T.RandomCrop(2, padding=1, padding_mode="wrap")
    with pytest.raises(TypeError, match="fill should be a number .* got \\(1, 2, 3\\)"):
        T.RandomCrop(2, padding=1, fill=(1, 2, 3))
    with pytest.raises(TypeError, match="generator should be an autograd.Generator"):
        T.RandomCrop(2, generator=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"crop size \(5, 5\) is larger than .* \(4, 4\)"):
        T.RandomCrop(5)(autograd.zeros(1, 4, 4))
    with pytest.raises(ValueError, match="reflect padding of 4 needs a dimension larger than 4"):
        T.RandomCrop(2, padding=4, padding_mode="reflect")(autograd.zeros(1, 4, 4))
    with pytest.raises(ValueError, match=r"\(\.\.\., H, W\), got shape \(4,\)"):
        T.RandomCrop(2)(autograd.zeros(4))
    with pytest.raises(TypeError, match="RandomCrop: img should be a Tensor"):
        T.RandomCrop(2)(np.zeros((1, 4, 4)))
    assert repr(T.RandomCrop(3, padding=1)) == "RandomCrop(size=(3, 3), padding=1)"


# -------------------------------------------------------------------------------- flips
def test_random_horizontal_flip():
    x = _t(np.arange(6.0).reshape(1, 1, 2, 3))
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(x).numpy(), x.numpy()[..., ::-1])
    assert T.RandomHorizontalFlip(0.0)(x) is x
    flip = T.RandomHorizontalFlip(0.3, generator=autograd.Generator(0))
    flipped = [flip(x).numpy()[0, 0, 0, 0] == 2.0 for _ in range(2000)]
    assert abs(np.mean(flipped) - 0.3) < 0.04  # 4 standard deviations of a binomial mean
    with pytest.raises(ValueError, match=r"p should be a number in \[0, 1\], got 1.5"):
        T.RandomHorizontalFlip(1.5)
    with pytest.raises(ValueError, match="RandomHorizontalFlip: img should be a tensor image"):
        T.RandomHorizontalFlip()(autograd.zeros(3))
    assert repr(T.RandomHorizontalFlip()) == "RandomHorizontalFlip(p=0.5)"


# -------------------------------------------------------------------------------- rotation
def _torchvision_rotate(torch, img, angle, mode="nearest", expand=False, center=None, fill=0.0):
    """torchvision's tensor rotation: inverse affine matrix, sampling grid, grid_sample, fill."""
    h, w = img.shape[-2:]
    cx, cy = (0.0, 0.0) if center is None else (center[0] - w * 0.5, center[1] - h * 0.5)
    a = math.radians(angle)
    m = [math.cos(a), -math.sin(a), 0.0, math.sin(a), math.cos(a), 0.0]
    m[2] = cx - (m[0] * cx + m[1] * cy)
    m[5] = cy - (m[3] * cx + m[4] * cy)
    ow, oh = w, h
    if expand:
        pts = torch.tensor([[-w / 2, -h / 2, 1.0], [-w / 2, h / 2, 1.0], [w / 2, h / 2, 1.0],
                            [w / 2, -h / 2, 1.0]])  # fmt: skip
        new = pts @ torch.tensor(m, dtype=torch.float).view(2, 3).T
        low = new.min(dim=0).values + torch.tensor([w / 2, h / 2])
        high = new.max(dim=0).values + torch.tensor([w / 2, h / 2])
        size = torch.ceil((high / 1e-4).trunc() * 1e-4) - torch.floor((low / 1e-4).trunc() * 1e-4)
        ow, oh = int(size[0]), int(size[1])
    dtype = img.dtype if img.is_floating_point() else torch.float32
    theta = torch.tensor(m, dtype=dtype).reshape(1, 2, 3)
    base = torch.empty(1, oh, ow, 3, dtype=dtype)
    base[..., 0] = torch.linspace(-ow * 0.5 + 0.5, ow * 0.5 - 0.5, ow)
    base[..., 1] = torch.linspace(-oh * 0.5 + 0.5, oh * 0.5 - 0.5, oh).unsqueeze(-1)
    base[..., 2] = 1
    grid = base.view(1, oh * ow, 3).bmm(
        theta.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h], dtype=dtype)
    )
    grid = grid.view(1, oh, ow, 2)
    squeeze = img.ndim == 3
    x = img.unsqueeze(0) if squeeze else img
    out_dtype = x.dtype
    x = x.to(dtype)
    grid = grid.expand(x.shape[0], oh, ow, 2)
    x = torch.cat([x, torch.ones_like(x[:, :1])], dim=1)
    x = torch.nn.functional.grid_sample(x, grid, mode=mode, padding_mode="zeros",
                                        align_corners=False)  # fmt: skip
    mask, x = x[:, -1:].expand_as(x[:, :-1]), x[:, :-1]
    fills = fill if isinstance(fill, (list, tuple)) else [fill]
    fill_img = torch.tensor(fills, dtype=x.dtype).view(1, -1, 1, 1).expand_as(x)
    if mode == "nearest":
        x = torch.where(mask < 0.5, fill_img, x)
    else:
        x = x * mask + (1.0 - mask) * fill_img
    if out_dtype != dtype:
        x = torch.round(x).to(out_dtype)
    return x[0] if squeeze else x


def _rotate(x, angle, **kwargs):
    return T.RandomRotation((angle, angle), **kwargs)(x)


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_rotation_by_right_angles(mode):
    x = _image((2, 3, 5, 5))
    np.testing.assert_allclose(
        _rotate(_t(x), 90, interpolation=mode).numpy(), np.rot90(x, 1, axes=(-2, -1)), atol=1e-12
    )
    np.testing.assert_allclose(
        _rotate(_t(x), -180, interpolation=mode).numpy(), x[..., ::-1, ::-1], atol=1e-12
    )
    wide = _image((1, 4, 6))
    np.testing.assert_allclose(
        _rotate(_t(wide), 90, interpolation=mode, expand=True).numpy(),
        np.rot90(wide, 1, axes=(-2, -1)),
        atol=1e-12,
    )


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize(
    "shape, kwargs",
    [
        ((3, 9, 7), {}),
        ((2, 1, 8, 8), {"fill": 0.5}),
        ((3, 6, 10), {"fill": [0.25, 0.5, 1.0]}),
        ((1, 7, 7), {"center": (2.0, 5.5)}),
        ((1, 6, 9), {"expand": True}),
        ((2, 2, 5, 8), {"expand": True, "center": (1.0, 1.0), "fill": 2.0}),
    ],
)
def test_rotation_matches_torchvision(torch, mode, shape, kwargs):
    x = _image(shape, seed=len(shape))
    for angle in (17.3, -41.0, 133.7):
        expected = _torchvision_rotate(torch, torch.from_numpy(x), angle, mode, **kwargs)
        out = _rotate(_t(x), angle, interpolation=mode, **kwargs)
        assert out.shape == tuple(expected.shape) and out.dtype == np.float64
        np.testing.assert_allclose(out.numpy(), expected.numpy(), atol=1e-12)


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_rotation_of_uint8_images_rounds_back(torch, mode):
    x = np.random.default_rng(4).integers(0, 256, (3, 8, 8), dtype=np.uint8)
    for angle in (12.5, 200.0):
        expected = _torchvision_rotate(torch, torch.from_numpy(x), angle, mode, fill=[10, 20, 30])
        out = _rotate(_t(x), angle, interpolation=mode, fill=(10, 20, 30))
        assert out.dtype == np.uint8
        # torchvision samples these in float32; a value that lands on .5 may round either way
        assert np.abs(out.numpy().astype(int) - expected.numpy().astype(int)).max() <= 1


def test_rotation_fill_and_expand_size():
    x = _t(np.ones((3, 10, 10)))
    out = _rotate(x, 45, fill=(1.0, 2.0, 3.0)).numpy()
    np.testing.assert_array_equal(out[:, 0, 0], [1.0, 2.0, 3.0])  # a corner left the image
    assert out[:, 5, 5].tolist() == [1.0, 1.0, 1.0]
    # the rotated corners span 5 -+ 10 / sqrt(2) = [-2.07, 12.07] -> pixels -3 .. 13 (16 of them)
    assert _rotate(x, 45, expand=True).shape == (3, 16, 16)
    assert _rotate(x, 0, expand=True).shape == (3, 10, 10)


def test_rotation_is_differentiable():
    x = autograd.from_numpy(_image((1, 5, 6))).requires_grad_(True)
    rot = T.RandomRotation((25.0, 25.0), interpolation="bilinear", fill=0.3)
    assert autograd.gradcheck(rot, (x,))


def test_rotation_angles_are_uniform_and_seeded():
    angles = [T.RandomRotation.get_params([-10.0, 30.0]) for _ in range(2000)]
    assert -10 <= min(angles) and max(angles) <= 30
    assert abs(np.mean(angles) - 10) < 1.0  # sd of the mean: 40 / sqrt(12 * 2000) = 0.26
    x = _t(_image((1, 6, 6)))
    rot = T.RandomRotation(30, generator=autograd.Generator(2))
    first = rot(x).numpy()
    np.testing.assert_array_equal(
        T.RandomRotation(30, generator=autograd.Generator(2))(x).numpy(), first
    )


def test_rotation_bad_inputs():
    with pytest.raises(ValueError, match="degrees as a single number must be non-negative"):
        T.RandomRotation(-5)
    with pytest.raises(ValueError, match=r"degrees should be a number or a sequence \(min, max\)"):
        T.RandomRotation((1, 2, 3))
    with pytest.raises(ValueError, match="min <= max, got \\(10, -10\\)"):
        T.RandomRotation((10, -10))
    with pytest.raises(ValueError, match="interpolation should be one of .* got 'bicubic'"):
        T.RandomRotation(10, interpolation="bicubic")
    with pytest.raises(ValueError, match=r"center should be a pair \(x, y\)"):
        T.RandomRotation(10, center=(1, 2, 3))
    with pytest.raises(TypeError, match="fill should be a number or a sequence of numbers"):
        T.RandomRotation(10, fill="white")
    with pytest.raises(ValueError, match="fill has 2 values for an image with 3 channels"):
        T.RandomRotation(10, fill=(0, 1))(autograd.zeros(3, 4, 4))
    with pytest.raises(ValueError, match=r"\(\.\.\., C, H, W\), got shape \(4, 4\)"):
        T.RandomRotation(10)(autograd.zeros(4, 4))
    assert repr(T.RandomRotation(10, interpolation=T.InterpolationMode.BILINEAR)) == (
        "RandomRotation(degrees=[-10.0, 10.0], interpolation=bilinear, expand=False, fill=0)"
    )


# -------------------------------------------------------------------------------- Compose, Lambda
def test_compose_and_lambda():
    pipeline = T.Compose([T.ToTensor(), T.Lambda(lambda x: x * 2), T.Normalize((1.0,), (1.0,))])
    out = pipeline(np.full((2, 2), 255, np.uint8))
    np.testing.assert_array_equal(out.numpy(), np.ones((1, 2, 2), np.float32))
    assert repr(pipeline) == (
        "Compose(\n    ToTensor()\n    Lambda()\n    Normalize(mean=(1.0,), std=(1.0,))\n)"
    )
    assert T.Compose([])(5) == 5
    with pytest.raises(TypeError, match="Compose: transforms\\[1\\] should be callable, got int"):
        T.Compose([T.ToTensor(), 3])
    with pytest.raises(TypeError, match="Compose: transforms should be a sequence of callables"):
        T.Compose(T.ToTensor())
    with pytest.raises(TypeError, match="Lambda: lambd should be callable, got 'int'"):
        T.Lambda(3)
