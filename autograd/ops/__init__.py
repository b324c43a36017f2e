"""All ops, one module per family. Each family lists its public names in ``__all__``."""

import sys as _sys

from .arithmetic import *  # noqa: F403
from .compare import *  # noqa: F403
from .elementwise import *  # noqa: F403
from .transcendental import *  # noqa: F403
from .reduce import *  # noqa: F403
from .extrema import *  # noqa: F403
from .stats import *  # noqa: F403
from .scan import *  # noqa: F403
from .activation import *  # noqa: F403
from .softmax import *  # noqa: F403
from .normalization import *  # noqa: F403
from .loss import *  # noqa: F403
from .piecewise import *  # noqa: F403
from .shape import *  # noqa: F403
from .join import *  # noqa: F403
from .rearrange import *  # noqa: F403
from .diagonals import *  # noqa: F403
from .index import *  # noqa: F403
from .gather_scatter import *  # noqa: F403
from .linalg import *  # noqa: F403
from .contract import *  # noqa: F403
from .conv import *  # noqa: F403
from .pool import *  # noqa: F403
from .resize import *  # noqa: F403
from .inplace import *  # noqa: F403
from .numpy_dispatch import array_function, array_ufunc  # noqa: F401
from .registry import REGISTRY, OpInfo, Sample, register  # noqa: F401

# The public op names: every family's __all__ (module names stay out of ``autograd.*``). Looked
# up in sys.modules because some family modules share a name with one of their functions.
_FAMILIES = (
    "arithmetic", "compare", "elementwise", "transcendental", "reduce", "extrema", "stats", "scan",
    "activation", "softmax", "normalization", "loss", "piecewise", "shape", "join", "rearrange",
    "diagonals", "index", "gather_scatter", "linalg", "contract", "conv", "pool", "resize",
    "inplace",
)  # fmt: skip
__all__ = [name for fam in _FAMILIES for name in _sys.modules[f"{__name__}.{fam}"].__all__]
