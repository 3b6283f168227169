# nnvib for Python: potentials, energies, forces, analytic Hessians and the
# full harmonic analysis of libnnvib on NumPy arrays, through ctypes.
"""nnvib: exact analytic Hessians and vibrational spectra of Behler-Parrinello potentials.

    import nnvib
    pot = nnvib.Potential("weights/hcno-tanh.bin")
    a = pot.analyse([8, 1, 1], [[0, 0, 0.12], [0, 0.76, -0.47], [0, -0.76, -0.47]], optimize=True)
    print(a.point_group, a.frequencies, a.mode_symmetries, a.verdict)

Units: Å, eV, u, cm⁻¹ (forces eV/Å, Hessian eV/Å², IR intensities km/mol).
The library is found through NNVIB_LIBRARY, the build tree, the configured
libdir, then the loader's search path. ``nnvib.ase.Calculator`` is the ASE
calculator (imported on first use: ASE is optional).
"""

import ctypes
import os

import numpy as np

from . import _lib
from ctypes import POINTER, byref

__all__ = ["Potential", "Analysis", "find_potential", "Error", "InputError", "NumericError", "FileError", "OutOfMemoryError",
           "UsageError", "library_path", "version"]

# ---- errors -------------------------------------------------------------------


class Error(Exception):
    """A failure of libnnvib: ``code`` is the NNV_E* status (negative), ``message``
    the library's one-line message (naming file, line or atom and field)."""

    code = None

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InputError(Error, ValueError):
    """NNV_EINPUT: malformed or unsupported input (file, structure, element)."""
    code = -1


class NumericError(Error, ArithmeticError):
    """NNV_ENUMERIC: a non-finite result, a failed diagonalisation."""
    code = -2


class FileError(Error, OSError):
    """NNV_EIO: a file that cannot be opened, read or written."""
    code = -3


class OutOfMemoryError(Error, MemoryError):
    """NNV_ENOMEM: out of memory, or over the Hessian budget."""
    code = -4


class UsageError(Error, ValueError):
    """NNV_EUSAGE: an argument out of its documented range."""
    code = -5


_ERRORS = {c.code: c for c in (InputError, NumericError, FileError, OutOfMemoryError, UsageError)}


def _raise(code, err):
    msg = err.message.decode("utf-8", "replace")
    if not msg:
        msg = _text(_LIB.nnv_strerror(code))
    raise _ERRORS.get(code, Error)(msg, code)


def _text(b):
    return b.decode("utf-8", "replace") if b is not None else None


_LIB, _LIBPATH = _lib.load_library()


def library_path():
    """The path of the libnnvib that was loaded."""
    return _LIBPATH


def version():
    """The library's version string, e.g. "0.2.0"."""
    return _text(_LIB.nnv_version())


def __getattr__(name):
    # `nnvib.ase` without an explicit import, but only when asked: ASE is optional.
    if name == "ase":
        import importlib
        return importlib.import_module(".ase", __name__)
    raise AttributeError("module 'nnvib' has no attribute %r" % name)


# ---- arrays in and out -----------------------------------------------------------


def _numbers(numbers):
    """Atomic numbers from ints or element symbols."""
    out = []
    for z in np.atleast_1d(np.asarray(numbers)).ravel():
        if isinstance(z, (str, np.str_)):
            zz = _LIB.nnv_element_from_symbol(str(z).encode())
            if zz == 0:
                raise UsageError("unknown element symbol %r" % str(z))
            out.append(zz)
        else:
            if int(z) != z:
                raise UsageError("atomic number %r is not a whole number" % (z,))
            out.append(int(z))
    return np.ascontiguousarray(out, dtype=np.intc)


def _bytes(x):
    """A char array field or element as bytes (ctypes gives either)."""
    return x if isinstance(x, bytes) else x.value


def _array(ptr, n):
    """A NumPy copy of n doubles at ptr (None for NULL)."""
    if not ptr:
        return None
    return np.ctypeslib.as_array(ptr, shape=(n,)).copy()


class _Structure:
    """An nnv_structure owned by Python (freed when collected)."""

    def __init__(self, numbers, positions, masses=None):
        z = _numbers(numbers)
        n = len(z)
        xyz = np.ascontiguousarray(positions, dtype=np.double)
        if xyz.shape != (n, 3) and xyz.shape != (3 * n,):
            raise UsageError("positions have shape %s; %d atoms need (%d, 3)" % (xyz.shape, n, n))
        self.ptr = POINTER(_lib.nnv_structure)()
        self._free = _LIB.nnv_structure_free  # kept: module globals may be gone at interpreter exit
        err = _lib.nnv_error()
        code = _LIB.nnv_structure_new(byref(self.ptr), n, z.ctypes.data_as(POINTER(ctypes.c_int)),
                                      xyz.ctypes.data_as(POINTER(ctypes.c_double)), byref(err))
        if code != 0:
            _raise(code, err)
        if masses is not None:
            m = np.asarray(masses, dtype=np.double).ravel()
            if m.shape != (n,):
                raise UsageError("masses have %d entries for %d atoms" % (m.size, n))
            for i in range(n):
                code = _LIB.nnv_structure_set_mass(self.ptr, i, float(m[i]), byref(err))
                if code != 0:
                    _raise(code, err)
        self.n = n

    def __del__(self):
        if getattr(self, "ptr", None):
            self._free(self.ptr)
            self.ptr = None


# ---- the potential -----------------------------------------------------------------


def _data_dirs():
    """Folders of potentials found by short name, in the order of the nnvib program
    (src/cli/potential_path.c): NNVIB_DATA_DIR/weights (or NNVIB_DATA_DIR), the
    installed pkgdatadir/weights, the repository's weights/ (package run from it)."""
    out = []
    env = os.environ.get("NNVIB_DATA_DIR")
    if env:
        w = os.path.join(env, "weights")
        out.append(w if os.path.isdir(w) else env)
    try:
        from . import _paths
        out.append(os.path.join(_paths.PKGDATADIR, "weights"))
    except ImportError:
        pass
    out.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "weights"))
    return [d for d in out if os.path.isdir(d)]


def find_potential(name):
    """The file a potential argument names, as `nnvib MOLECULE.xyz NAME` resolves it: an
    existing path (or anything with a '/') as it is; else NAME, NAME.bin, hcno-NAME.bin in
    _data_dirs(). Not found: the name as it is."""
    name = os.fspath(name)
    if not name or os.sep in name or "/" in name or os.path.exists(name):
        return name
    for d in _data_dirs():
        for cand in (name, name + ".bin", "hcno-" + name + ".bin"):
            f = os.path.join(d, cand)
            if os.path.isfile(f):
                return os.path.normpath(f)
    return name



class Potential:
    """A potential loaded by libnnvib: a weights.bin file (one network or a
    committee) or an n2p2 potential directory, or a short name ("tanh",
    "hcno-lib-tanh") resolved as the nnvib program does (find_potential).

    Attributes: ``path``, ``elements`` (atomic numbers, ascending), ``symbols``,
    ``cutoff`` (largest symmetry-function cutoff radius, Å), ``description``,
    ``activation`` (the hidden layers' activation names, as in the file),
    ``committee_size`` (0 for a single potential), ``has_charges``,
    ``smoothness`` ("C0", "C1", "C2", "C-infinity"), ``warnings`` (the reader's).
    """

    def __init__(self, path):
        self.path = find_potential(path)
        self._p = POINTER(_lib.nnv_potential)()
        self._free = _LIB.nnv_potential_free  # kept: module globals may be gone at interpreter exit
        err = _lib.nnv_error()
        code = _LIB.nnv_potential_load(byref(self._p), os.fsencode(self.path), None, byref(err))
        if code != 0:
            self._p = None
            _raise(code, err)
        p = self._p.contents
        self.description = _text(p.description) or ""
        self.elements = [p.elements[i].Z for i in range(p.n_elements)]
        self.symbols = [_text(_LIB.nnv_element_symbol(z)) for z in self.elements]
        self.committee_size = p.n_members
        self.committee_kind = _text(_LIB.nnv_committee_kind_name(p.committee_kind)) if p.n_members else None
        self.has_charges = bool(p.flags & _lib.NNV_FLAG_CHARGES)
        self.smoothness = _text(_LIB.nnv_smoothness_name(_LIB.nnv_potential_smoothness(self._p)))
        self.warnings = [_text(p.warnings.messages[i]) for i in range(p.warnings.count)]
        rc, acts = 0.0, []
        for i in range(p.n_elements):
            e = p.elements[i]
            for k in range(e.n_sf):
                rc = max(rc, e.sf[k].rc)
            net = e.members[0] if p.n_members and bool(e.members) else e.energy
            for k in range(net.n_layers - 1):  # the last layer is the (identity) output
                name = _text(_LIB.nnv_activation_name(net.layers[k].activation))
                if name not in acts:
                    acts.append(name)
        self.cutoff = rc
        self.activation = acts

    def __del__(self):
        if getattr(self, "_p", None):
            self._free(self._p)
            self._p = None

    def __repr__(self):
        return "nnvib.Potential(%r)" % self.path

    def _compute(self, numbers, positions, want, charge=0.0):
        s = _Structure(numbers, positions)
        out = POINTER(_lib.nnv_result)()
        err = _lib.nnv_error()
        o = _lib.nnv_compute_options(want=want, total_charge=float(charge), max_hessian_mb=0.0)
        code = _LIB.nnv_compute(byref(out), self._p, s.ptr, byref(o), byref(err))
        if code != 0:
            _raise(code, err)
        try:
            r = out.contents
            n = s.n
            res = {"energy": r.energy}
            if want & _lib.NNV_WANT_FORCES:
                res["forces"] = _array(r.forces, 3 * n).reshape(n, 3)
            if want & _lib.NNV_WANT_HESSIAN:
                res["hessian"] = _array(r.hessian, 9 * n * n).reshape(3 * n, 3 * n)
            if r.n_members:
                res["energy_std"] = r.energy_std
            return res
        finally:
            _LIB.nnv_result_free(out)

    def energy(self, numbers, positions):
        """Total energy, eV (a committee's mean)."""
        return self._compute(numbers, positions, 0)["energy"]

    def forces(self, numbers, positions):
        """Forces, eV/Å, shape (N, 3)."""
        return self._compute(numbers, positions, _lib.NNV_WANT_FORCES)["forces"]

    def hessian(self, numbers, positions):
        """The analytic Hessian, eV/Å², shape (3N, 3N), rows and columns x1, y1, z1, x2, ..."""
        return self._compute(numbers, positions, _lib.NNV_WANT_HESSIAN)["hessian"]

    def compute(self, numbers, positions, hessian=False):
        """Energy, forces (and the Hessian) in one evaluation, as a dict."""
        want = _lib.NNV_WANT_FORCES | (_lib.NNV_WANT_HESSIAN if hessian else 0)
        return self._compute(numbers, positions, want)

    def analyse(self, numbers, positions, masses=None, optimize=False, charge=0.0, fmax=None, max_steps=None,
                symmetrize=False, symmetry_tol=None):
        """The harmonic analysis of nnv_analyse (what the nnvib program prints).

        masses: u per atom (default: most abundant isotopes); optimize: relax
        first (L-BFGS, fmax eV/Å, default 1e-5; max_steps default 500).
        Returns an :class:`Analysis`."""
        s = _Structure(numbers, positions, masses)
        o = _lib.nnv_analysis_options()
        o.optimize = 1 if optimize else 0
        if fmax is not None:
            o.opt.fmax = float(fmax)
        if max_steps is not None:
            o.opt.max_steps = int(max_steps)
        o.total_charge = float(charge)
        o.symmetrize = 1 if symmetrize else 0
        if symmetry_tol is not None:
            o.symmetry_tol = float(symmetry_tol)
        out = POINTER(_lib.nnv_analysis)()
        err = _lib.nnv_error()
        code = _LIB.nnv_analyse(byref(out), self._p, s.ptr, byref(o), byref(err))
        if code != 0:
            _raise(code, err)
        try:
            return Analysis(out.contents)
        finally:
            _LIB.nnv_analysis_free(out)


class Analysis:
    """The results of :meth:`Potential.analyse`, copied into NumPy arrays.

    numbers, masses (u), positions (Å, the geometry analysed: relaxed after
    optimize), energy (eV), forces (eV/Å), hessian (eV/Å², 3N x 3N),
    frequencies (cm⁻¹, ascending, negative = imaginary), modes (n_modes x N x 3,
    normalised Cartesian displacements), reduced_masses (u), force_constants
    (mdyn/Å), ir_intensities (km/mol, or None without charge networks),
    linear, point_group ("C2v", "Dinfh", ...), symmetry_number,
    mode_symmetries (one label per mode, "?" when unclear), verdict ("ok",
    "uncertain", "unreliable"), reasons (list of (name, sentence)),
    frequency_std (cm⁻¹ per mode, committees only, else None), energy_std,
    optimized, converged (None without optimize), opt_steps, max_force,
    warnings (list of str).
    """

    def __init__(self, a):
        s = a.s.contents
        n = s.n_atoms
        v = a.v.contents
        m = v.n_modes
        r = a.r.contents
        self.numbers = np.ctypeslib.as_array(s.Z, shape=(n,)).astype(int)
        self.masses = _array(s.masses, n)
        self.positions = _array(s.xyz, 3 * n).reshape(n, 3)
        self.energy = r.energy
        self.energy_std = r.energy_std if r.n_members else None
        self.forces = _array(r.forces, 3 * n).reshape(n, 3)
        self.hessian = _array(a.hessian, 9 * n * n).reshape(3 * n, 3 * n)
        self.max_force = a.max_force
        self.optimized = bool(a.optimized)
        self.converged = bool(a.opt.converged) if a.optimized else None
        self.opt_steps = a.opt.steps if a.optimized else 0
        self.linear = bool(v.linear)
        self.frequencies = _array(v.frequencies, m) if m else np.zeros(0)
        self.modes = _array(v.modes, m * 3 * n).reshape(m, n, 3) if m else np.zeros((0, n, 3))
        self.reduced_masses = _array(v.reduced_masses, m) if m else np.zeros(0)
        self.force_constants = _array(v.force_constants, m) if m else np.zeros(0)
        self.ir_intensities = _array(v.ir_intensities, m) if m and v.ir_intensities else None
        self.frequency_std = _array(a.frequency_std, m) if m and a.frequency_std else None
        rel = a.reliability
        self.verdict = _text(_LIB.nnv_verdict_name(rel.verdict))
        self.reasons = [(_text(_LIB.nnv_reason_name(rel.reason_code[i])), _text(_bytes(rel.reason[i])))
                        for i in range(rel.n_reasons)]
        if a.point_group:
            g = a.point_group.contents
            self.point_group = _text(g.name)
            self.symmetry_number = g.sigma
        else:
            self.point_group, self.symmetry_number = None, None
        if a.mode_symmetry:
            ms = a.mode_symmetry.contents
            self.mode_symmetries = [_text(_bytes(ms.labels[i])) for i in range(ms.n_modes)]
        else:
            self.mode_symmetries = None
        self.warnings = [_text(a.warnings.messages[i]) for i in range(a.warnings.count)]

    def __repr__(self):
        f = ", ".join("%.1f" % x for x in self.frequencies)
        return "<nnvib.Analysis %s, %d modes [%s] cm-1, verdict %s>" % (self.point_group, len(self.frequencies),
                                                                     f, self.verdict)

