"""Linear algebra with gradients: ridge regression solved three ways (normal equations with
``torch.linalg.solve``, a Cholesky factor, a QR factorization), a kernel ridge regressor on
``torch.cdist`` distances whose length scale is fitted by gradient descent through
``torch.linalg.cholesky``, and ``torch.finfo`` for jitter and tolerances.
"""

import argparse

import numpy as np
import torch


def ridge_solve(X, y, lam):
    A = X.T @ X + lam * torch.eye(X.size(1), dtype=X.dtype)
    return torch.linalg.solve(A, X.T @ y)


def ridge_cholesky(X, y, lam):
    A = X.T @ X + lam * torch.eye(X.size(1), dtype=X.dtype)
    L = torch.linalg.cholesky(A)
    z = torch.linalg.solve(L, X.T @ y)
    return torch.linalg.solve(L.T, z)


def lstsq_qr(X, y):
    Q, R = torch.linalg.qr(X)  # reduced: Q is n x d, R is d x d
    return torch.linalg.solve(R, Q.T @ y)


class KernelRidge(torch.nn.Module):
    """An RBF kernel ridge regressor; the log length scale and log noise are parameters."""

    def __init__(self):
        super().__init__()
        self.log_length = torch.nn.Parameter(torch.tensor(0.0, dtype=torch.float64))
        self.log_noise = torch.nn.Parameter(torch.tensor(-2.0, dtype=torch.float64))

    def kernel(self, a, b):
        d = torch.cdist(a, b, p=2)
        return torch.exp(-0.5 * (d / self.log_length.exp()) ** 2)

    def neg_log_marginal_likelihood(self, X, y):
        n = X.size(0)
        eps = torch.finfo(X.dtype).eps
        K = self.kernel(X, X) + (self.log_noise.exp() + 1e3 * eps) * torch.eye(n, dtype=X.dtype)
        L = torch.linalg.cholesky(K)
        alpha = torch.linalg.solve(L.T, torch.linalg.solve(L, y))
        fit = 0.5 * (y * alpha).sum()
        complexity = torch.log(torch.diagonal(L)).sum()
        return fit + complexity + 0.5 * n * np.log(2 * np.pi)

    def predict(self, X, y, X_new):
        K = self.kernel(X, X) + self.log_noise.exp() * torch.eye(X.size(0), dtype=X.dtype)
        return self.kernel(X_new, X) @ torch.linalg.solve(K, y)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=25)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    X = torch.from_numpy(rng.standard_normal((40, 5)))
    w_true = torch.from_numpy(rng.standard_normal((5, 1)))
    y = X @ w_true + 0.1 * torch.from_numpy(rng.standard_normal((40, 1)))
    print("finfo float64 eps", torch.finfo(torch.float64).eps, "float32 tiny", torch.finfo().tiny)

    w1 = ridge_solve(X, y, lam=0.5)
    w2 = ridge_cholesky(X, y, lam=0.5)
    w3 = lstsq_qr(X, y)
    tol = 1e4 * torch.finfo(X.dtype).eps
    print("solve and cholesky agree", torch.allclose(w1, w2, rtol=tol, atol=tol))
    print("ridge weights", [round(w, 10) for w in w1.flatten().tolist()])
    print(f"least-squares residual {torch.linalg.norm(X @ w3 - y).item():.12e}")
    print(f"parameter error fro {torch.linalg.norm(w3 - w_true, 'fro').item():.12e}")
    print(f"spectral norm of X {torch.linalg.norm(X, ord=2).item():.12e}")
    print(f"max abs of X {torch.linalg.norm(X.flatten(), ord=float('inf')).item():.12e}")

    # The regularization path: d(validation error)/d(lambda) by backpropagating through solve.
    X_val = torch.from_numpy(rng.standard_normal((20, 5)))
    y_val = X_val @ w_true
    lam = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    for method in (ridge_solve, ridge_cholesky):
        val = ((X_val @ method(X, y, lam) - y_val) ** 2).mean()
        (g,) = torch.autograd.grad(val, lam)
        print(f"{method.__name__} validation {val.item():.12e} d/dlambda {g.item():.12e}")

    # Gradients through QR reach the data.
    Xq = X.clone().requires_grad_(True)
    torch.linalg.norm(lstsq_qr(Xq, y)).backward()
    print(f"qr gradient norm {Xq.grad.norm().item():.12e}")

    # Pairwise distances and their gradient.
    pts = torch.from_numpy(rng.standard_normal((6, 3))).requires_grad_(True)
    D = torch.cdist(pts, pts[:4])
    D.sum().backward()
    print(f"cdist sum {D.sum().item():.12e} grad {pts.grad.abs().sum().item():.12e}")

    # Kernel ridge regression on a noisy sine, hyper-parameters fitted by Adam.
    Xs = torch.from_numpy(np.sort(rng.uniform(-3, 3, (30, 1)), axis=0))
    ys = torch.sin(Xs) + 0.1 * torch.from_numpy(rng.standard_normal((30, 1)))
    model = KernelRidge()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    for step in range(args.steps):
        loss = model.neg_log_marginal_likelihood(Xs, ys)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step % 5 == 0:
            print(f"step {step} nlml {loss.item():.12e}")
    with torch.no_grad():
        grid = torch.linspace(-2.5, 2.5, 7, dtype=torch.float64).unsqueeze(1)
        err = (model.predict(Xs, ys, grid) - torch.sin(grid)).abs().max()
    length, noise = model.log_length.exp().item(), model.log_noise.exp().item()
    print(f"length scale {length:.10e} noise {noise:.10e} max error {err.item():.10e}")


if __name__ == "__main__":
    main()
