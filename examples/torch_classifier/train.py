"""Training loop for the classifier example."""
import torch
from torch.autograd import Variable


@torch.compile(dynamic=False)
def scaled_loss(logits, targets, epoch):
    loss = torch.nn.functional.cross_entropy(logits, targets)
    print("loss", loss.item())
    return loss / (1 + epoch)


def gate(x):
    if x.mean() > 0:
        return x
    return -x


traced_gate = torch.jit.trace(gate, torch.ones(4))


def train(model, batches, epochs, checkpoint):
    model.load_state_dict(torch.load(checkpoint))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(epochs):
        for x, y in batches:
            x = Variable(x)
            loss = scaled_loss(model(x), y, epoch)
            opt.zero_grad()
            loss.backward()
            opt.step()
