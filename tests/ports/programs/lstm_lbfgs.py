"""Time-series prediction with LSTMs trained by L-BFGS and a closure, in the style of PyTorch's
time_sequence_prediction example: two stacked ``LSTMCell``s unrolled by hand over noisy sine
waves (double precision), predicting ``future`` steps past the input; then an ``nn.LSTM``
(batch_first) forecaster trained with ``line_search_fn="strong_wolfe"``.
"""

import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim


class Sequence(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.hidden = hidden
        self.lstm1 = nn.LSTMCell(1, hidden)
        self.lstm2 = nn.LSTMCell(hidden, hidden)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, input, future=0):
        outputs = []
        h_t = torch.zeros(input.size(0), self.hidden, dtype=torch.double)
        c_t = torch.zeros(input.size(0), self.hidden, dtype=torch.double)
        h_t2 = torch.zeros(input.size(0), self.hidden, dtype=torch.double)
        c_t2 = torch.zeros(input.size(0), self.hidden, dtype=torch.double)
        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for _ in range(future):
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        return torch.cat(outputs, dim=1)


class Forecaster(nn.Module):
    def __init__(self, hidden=8, num_layers=2):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, (h_n, c_n) = self.lstm(x)
        return self.head(out[:, -1, :])


def numpy_init(model, seed, scale=0.3):
    rng = np.random.default_rng(seed)
    model.load_state_dict(
        {
            k: torch.from_numpy(scale * rng.standard_normal(tuple(v.shape)))
            for k, v in model.state_dict().items()
        }
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=3, help="steps to train")
    parser.add_argument("--length", type=int, default=40)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    T, L, N = 20, args.length, 12
    x = np.empty((N, L), np.float64)
    x[:] = np.arange(L) + rng.integers(-4 * T, 4 * T, N).reshape(N, 1)
    data = np.sin(x / T)
    input = torch.from_numpy(data[3:, :-1])
    target = torch.from_numpy(data[3:, 1:])
    test_input = torch.from_numpy(data[:3, :-1])
    test_target = torch.from_numpy(data[:3, 1:])

    seq = Sequence().double()
    numpy_init(seq, seed=1)
    criterion = nn.MSELoss()
    optimizer = optim.LBFGS(seq.parameters(), lr=0.8, max_iter=8)
    for i in range(args.steps):

        def closure():
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            print(f"step {i} closure loss {loss.item():.10e}")  # noqa: B023 (called in this step)
            loss.backward()
            return loss

        optimizer.step(closure)
        with torch.no_grad():
            future = 10
            pred = seq(test_input, future=future)
            loss = criterion(pred[:, :-future], test_target)
            print(f"step {i} test loss {loss.item():.10e}")
            y = pred.detach().numpy()
        assert y.shape == (3, L - 1 + future)

    # An nn.LSTM forecaster: predict the next value of a window, strong-Wolfe line search.
    windows = np.stack([data[:, s : s + 10] for s in range(0, L - 11, 3)]).reshape(-1, 10)
    nexts = np.stack([data[:, s + 10] for s in range(0, L - 11, 3)]).reshape(-1, 1)
    xb = torch.tensor(windows, dtype=torch.float64).unsqueeze(-1)
    yb = torch.tensor(nexts, dtype=torch.float64)
    model = Forecaster().to(torch.float64)
    numpy_init(model, seed=2)
    optimizer = optim.LBFGS(
        model.parameters(), lr=1, max_iter=15, history_size=10, line_search_fn="strong_wolfe"
    )

    def closure():
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(xb), yb)
        loss.backward()
        return loss

    for i in range(args.steps):
        loss = optimizer.step(closure)
        print(f"forecaster step {i} loss {loss.item():.10e}")
    state = optimizer.state[optimizer.param_groups[0]["params"][0]]
    print("function evaluations", state["func_evals"], "iterations", state["n_iter"])


if __name__ == "__main__":
    main()
