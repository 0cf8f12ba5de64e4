"""The history of ReLU as data: dated milestones, each with its source, and a timeline of them.

Serves the Timeline page (``book/timeline.md``). Every milestone names the BibTeX key of the
publication that documents it (``references.bib``), so the page, its figure and the
bibliography cannot drift apart; the tests check that every key exists and that the year of a
milestone is the year of its reference.

Examples
--------
>>> first = TIMELINE[0]
>>> first.year, first.label, first.key
(1943, 'McCulloch & Pitts: threshold neuron', 'mcculloch1943logical')
>>> [m.year for m in TIMELINE] == sorted(m.year for m in TIMELINE)
True
"""

from __future__ import annotations

from dataclasses import dataclass

from relu_lib.plotting import color

__all__ = ["Milestone", "KINDS", "TIMELINE", "plot_timeline"]


@dataclass(frozen=True)
class Milestone:
    """One dated event in the history of rectified units.

    Parameters
    ----------
    year : the year of the publication that documents the event
    label : a short name for the figure (at most :data:`LABEL_WIDTH` characters)
    event : one sentence saying what happened
    key : the BibTeX key of that publication in ``references.bib``
    kind : one of :data:`KINDS`, which sets the colour in the figure
    """

    year: int
    label: str
    event: str
    key: str
    kind: str = "relu"


#: Kinds of milestone: legend text and the book's colour concept (:data:`relu_lib.plotting.COLORS`).
KINDS: dict[str, tuple[str, str]] = {
    "threshold": ("threshold units", "tanh"),
    "relu": ("rectifiers and ReLU", "relu"),
    "variant": ("relatives of ReLU", "elu"),
    "gated": ("gated units", "gelu"),
}

#: The longest label the figure has room for.
LABEL_WIDTH = 36

M = Milestone
#: The milestones, in order of year (and, within a year, of the story).
TIMELINE: tuple[Milestone, ...] = (
    M(1943, "McCulloch & Pitts: threshold neuron",
      "McCulloch and Pitts model a neuron as an all-or-none threshold unit and describe nets "
      "of such units with propositional logic.", "mcculloch1943logical", "threshold"),
    M(1958, "Rosenblatt: the perceptron",
      "Rosenblatt's perceptron: threshold units whose connections change with experience, "
      "proposed as a model of how the brain stores information.",
      "rosenblatt1958perceptron", "threshold"),
    M(1969, "Fukushima: analogue threshold units",
      "Fukushima's multilayered network for visual feature extraction, designed after the "
      "visual systems of cat and monkey, is built of analogue threshold elements whose output "
      "is the positive part of their weighted input: rectifiers.",
      "fukushima1969visual"),
    M(1975, "Fukushima: the cognitron",
      "The cognitron, a multilayered network that organises itself without a teacher; its "
      "excitatory cells apply the same rectifying function to their excitation, divided down by "
      "their inhibition.", "fukushima1975cognitron"),
    M(1980, "Fukushima: the neocognitron",
      "The neocognitron, a hierarchy of S-cells and C-cells that recognises patterns whatever "
      "their position; its S-cells are rectifying too.", "fukushima1980neocognitron"),
    M(2000, "Hahnloser et al.: silicon rectifiers",
      "Hahnloser et al. build a cortex-inspired recurrent circuit in silicon whose neurons "
      "respond linearly above a threshold, and show that it digitally selects a set of active "
      "neurons and amplifies their input in an analogue way.", "hahnloser2000digital"),
    M(2009, "Jarrett et al.: rectification",
      "Jarrett et al. find that non-linearities that include rectification (an absolute value, "
      "in their systems) and local contrast normalisation are the most important ingredient for "
      "good accuracy in object recognition.",
      "jarrett2009best"),
    M(2010, "Nair & Hinton: ReLU in RBMs",
      "Nair and Hinton put rectified linear units in restricted Boltzmann machines; they "
      "learn better features than binary units for object recognition and face verification.",
      "nair2010rectified"),
    M(2011, "Glorot et al.: deep rectifier nets",
      "Glorot, Bordes and Bengio train deep rectifier networks without unsupervised "
      "pre-training, as well as or better than tanh networks, with sparse codes of true zeros.",
      "glorot2011deep"),
    M(2012, "AlexNet: ReLU wins ImageNet",
      "Krizhevsky, Sutskever and Hinton's convolutional network, with ReLU throughout, wins "
      "the ImageNet competition of that year.", "krizhevsky2012imagenet"),
    M(2013, "Maas et al.: Leaky ReLU",
      "Maas, Hannun and Ng give the rectifier a small slope for negative inputs (the leaky "
      "rectifier) in networks for speech recognition.", "maas2013rectifier", "variant"),
    M(2015, "He et al.: PReLU, He initialisation",
      "He, Zhang, Ren and Sun learn the negative slope (PReLU) and derive the initialisation "
      "that keeps the scale of deep ReLU networks steady.", "he2015delving", "variant"),
    M(2016, "Clevert et al.: ELU",
      "Clevert, Unterthiner and Hochreiter's exponential linear unit takes negative values, "
      "which push mean activations towards zero.", "clevert2016fast", "variant"),
    M(2016, "Hendrycks & Gimpel: GELU",
      "Hendrycks and Gimpel's Gaussian error linear unit weights its input x by Φ(x), the "
      "standard normal distribution function.", "hendrycks2016gaussian", "variant"),
    M(2017, "Klambauer et al.: SELU",
      "Klambauer et al.'s scaled exponential linear unit drives activations towards zero mean "
      "and unit variance: self-normalising networks.", "klambauer2017self", "variant"),
    M(2017, "Transformer: ReLU feed-forward",
      "The original Transformer applies ReLU in the position-wise feed-forward block of every "
      "layer.", "vaswani2017attention"),
    M(2017, "Dauphin et al.: gated linear unit",
      "Dauphin et al. gate one linear map of the input by the sigmoid of another (the gated "
      "linear unit) in convolutional language models.", "dauphin2017language", "gated"),
    M(2017, "Ramachandran et al.: Swish",
      "Ramachandran, Zoph and Le search for activation functions automatically and find "
      "Swish, x times the sigmoid of a multiple of x.", "ramachandran2017searching", "variant"),
    M(2018, "GPT: GELU in a transformer",
      "Radford et al.'s GPT uses GELU instead of ReLU in its transformer.",
      "radford2018improving", "variant"),
    M(2019, "BERT: GELU, following GPT",
      "BERT uses GELU, following GPT.", "devlin2019bert", "variant"),
    M(2020, "Shazeer: GLU variants, SwiGLU",
      "Shazeer puts gated linear units in the transformer's feed-forward block and finds "
      "that some variants (GEGLU, SwiGLU) improve on ReLU and GELU.", "shazeer2020glu", "gated"),
    M(2023, "PaLM: SwiGLU",
      "PaLM uses SwiGLU in its feed-forward blocks.", "chowdhery2023palm", "gated"),
    M(2023, "LLaMA: SwiGLU",
      "LLaMA replaces ReLU by SwiGLU.", "touvron2023llama", "gated"),
    M(2024, "Mirzadeh et al.: ReLU strikes back",
      "Mirzadeh et al. report that ReLU costs large language models little quality and makes "
      "their feed-forward activations sparse enough to save computation.", "mirzadeh2024relu"),
)
del M


def plot_timeline(fig, milestones: tuple[Milestone, ...] = TIMELINE, split: int = 1995):
    """Draw ``milestones`` on ``fig``: one row each, top to bottom, at its year, coloured by kind.

    Labels sit right of their marker before the year ``split`` and left of it from then on, so
    that they stay inside the axes. Serves the Timeline page (book/timeline.md).

    Returns the axes.

    Examples
    --------
    >>> from relu_lib.plotting import blank_figure
    >>> ax = plot_timeline(blank_figure((7, 7)))
    >>> len(ax.texts) == len(TIMELINE)
    True
    """
    ax = fig.add_subplot()
    n = len(milestones)
    for row, m in enumerate(milestones):
        c = color(KINDS[m.kind][1])
        ax.plot([m.year], [row], "o", color=c, ms=7, zorder=3)
        right = m.year < split
        ax.text(m.year + (1.2 if right else -1.2), row, f"{m.year}  {m.label}",
                ha="left" if right else "right", va="center", fontsize=9, color="#222222")
    for kind, (text, concept) in KINDS.items():
        if any(m.kind == kind for m in milestones):
            ax.plot([], [], "o", color=color(concept), ms=7, label=text)
    ax.set_xlim(1936, 2030)
    ax.set_ylim(n - 0.4, -0.8)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("year of publication")
    ax.legend(loc="lower left", fontsize=9)
    return ax
