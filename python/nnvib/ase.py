# The ASE calculator of nnvib: energy and forces for ASE's dynamics and
# finite-difference tools, plus the exact analytic Hessian.
"""ASE calculator over libnnvib (needs python3-ase).

    from nnvib.ase import Calculator
    atoms.calc = Calculator("weights/hcno-tanh.bin")
    H = atoms.calc.get_hessian(atoms)              # eV/Å², (3N, 3N)
    vib = atoms.calc.get_vibrations(atoms)         # ase.vibrations.VibrationsData
"""

import numpy as np
from ase.calculators.calculator import Calculator as _AseCalculator
from ase.calculators.calculator import all_changes

from . import Potential

__all__ = ["Calculator", "NNVibCalculator"]


class Calculator(_AseCalculator):
    """nnvib potential as an ASE calculator (finite molecules, no periodic cell).

    potential: a path (weights.bin or n2p2 directory) or an nnvib.Potential.
    Properties: energy (eV), forces (eV/Å); get_hessian(atoms) gives the
    analytic Hessian (eV/Å²) and get_vibrations(atoms) wraps it in ASE's
    VibrationsData (atoms' own masses).
    """

    implemented_properties = ["energy", "forces"]
    nolabel = True

    def __init__(self, potential, **kwargs):
        super().__init__(**kwargs)
        self.potential = potential if isinstance(potential, Potential) else Potential(potential)

    def _check(self, atoms):
        if atoms.pbc.any():
            # The model has no periodic images: a periodic cell would be silently wrong.
            raise NotImplementedError("nnvib handles finite molecules only; atoms.pbc is %s" % (atoms.pbc,))

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        self._check(self.atoms)
        r = self.potential.compute(self.atoms.numbers, self.atoms.positions)
        self.results["energy"] = r["energy"]
        self.results["free_energy"] = r["energy"]
        self.results["forces"] = r["forces"]

    def get_hessian(self, atoms=None):
        """The analytic Hessian at atoms' positions, eV/Å², shape (3N, 3N)."""
        if atoms is None:
            atoms = self.atoms
        self._check(atoms)
        return self.potential.hessian(atoms.numbers, atoms.positions)

    def get_vibrations(self, atoms=None):
        """ase.vibrations.VibrationsData from the analytic Hessian (no finite differences)."""
        from ase.vibrations import VibrationsData
        if atoms is None:
            atoms = self.atoms
        return VibrationsData.from_2d(atoms.copy(), np.asarray(self.get_hessian(atoms)))


# A name that does not shadow ASE's own class in user code.
NNVibCalculator = Calculator
