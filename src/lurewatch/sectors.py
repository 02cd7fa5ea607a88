"""The recipient's sensitive sector: the 17 areas of the UK National Security and Investment Act 2021,
plus the research fields MI5 names (AI, quantum, synthetic biology). Used for reports and linking
(targets by sector), never as evidence about the sender."""

from __future__ import annotations

import re

# Area -> keywords (lower case, word-start matches). Order matters: the first area that matches wins.
SECTORS: dict[str, tuple[str, ...]] = {
    "Quantum technologies": ("quantum", "qubit", "cryogenic", "dilution refrigerator"),
    "Synthetic biology": ("synthetic biology", "synbio", "metabolic engineering", "cell-free", "gene editing",
                          "crispr", "biotech", "bioengineering", "genomic", "protein engineering"),
    "Artificial intelligence": ("artificial intelligence", "machine learning", "deep learning", "ai ", "ml ",
                                "llm", "computer vision", "neural network", "nlp"),
    "Computing hardware": ("semiconductor", "chip", "asic", "fpga", "silicon", "computer hardware",
                           "processor", "lithography", "photonic"),
    "Defence": ("defence", "defense", "military", "dual-use", "dual use", "munition", "weapons"),
    "Satellite and space": ("satellite", "space", "aerospace", "avionics", "launch vehicle"),
    "Advanced materials": ("advanced materials", "materials science", "graphene", "metamaterial", "composite"),
    "Advanced robotics": ("robotic", "autonomous", "drone", "uav"),
    "Communications": ("telecom", "5g", "6g", "communications", "network equipment", "rf "),
    "Cryptographic authentication": ("cryptograph", "encryption", "authentication", "cybersecurity", "security"),
    "Energy": ("energy", "battery", "batteries", "grid", "fusion", "oil and gas", "renewable"),
    "Civil nuclear": ("nuclear",),
    "Data infrastructure": ("data centre", "data center", "cloud infrastructure"),
    "Transport": ("transport", "rail", "aviation", "maritime", "automotive"),
    "Critical suppliers to government": ("government supplier", "public sector supplier"),
    "Suppliers to the emergency services": ("emergency services",),
}
_PATTERNS = [(area, re.compile(r"\b(?:" + "|".join(re.escape(k) for k in kws) + ")", re.I))
             for area, kws in SECTORS.items()]


def sector_of(*texts: str) -> str | None:
    """The first sensitive area whose keywords occur in the texts (headline, industry, employer...)."""
    text = " ".join(t for t in texts if t) + " "
    for area, rx in _PATTERNS:
        if rx.search(text):
            return area
    return None
