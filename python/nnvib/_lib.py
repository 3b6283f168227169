# The ctypes view of libnnvib: where the library is found, the C structs field
# for field as in include/nnvib/*.h, and the prototypes of the calls used.
"""Low-level ctypes bindings of libnnvib (internal; use nnvib.Potential)."""

import ctypes
import ctypes.util
import os
from ctypes import (POINTER, Structure, c_char, c_char_p, c_double, c_int, c_uint, c_uint32,
                    c_void_p)

# ---- structs (names and order exactly as in the C headers) ----------------
# tests/test_python.sh compiles a C program that prints sizeof/offsetof of
# every field listed here and compares them with ctypes, so a header change
# that is not mirrored here fails `make check`.

NNV_ERROR_MESSAGE_MAX = 512


class nnv_error(Structure):
    _fields_ = [("code", c_int), ("message", c_char * NNV_ERROR_MESSAGE_MAX)]


class nnv_warnings(Structure):
    _fields_ = [("count", c_int), ("capacity", c_int), ("messages", POINTER(c_char_p))]


class nnv_structure(Structure):
    _fields_ = [("n_atoms", c_int), ("Z", POINTER(c_int)), ("xyz", POINTER(c_double)),
                ("masses", POINTER(c_double)), ("comment", c_char_p)]


class nnv_sf(Structure):
    _fields_ = [("type", c_int), ("Zj", c_int), ("Zk", c_int), ("cutoff", c_int),
                ("rc", c_double), ("cutoff_alpha", c_double), ("eta", c_double), ("rs", c_double),
                ("zeta", c_double), ("lambda", c_double), ("shift", c_double), ("scale", c_double),
                ("gmin", c_double), ("gmax", c_double)]


class nnv_layer(Structure):
    _fields_ = [("activation", c_int), ("param", c_double), ("n_in", c_int), ("n_out", c_int),
                ("W", POINTER(c_double)), ("b", POINTER(c_double))]


class nnv_network(Structure):
    _fields_ = [("n_layers", c_int), ("layers", POINTER(nnv_layer))]


class nnv_element_model(Structure):
    _fields_ = [("Z", c_int), ("E0", c_double), ("n_sf", c_int), ("sf", POINTER(nnv_sf)),
                ("energy", nnv_network), ("charge", nnv_network), ("members", POINTER(nnv_network)),
                ("member_charges", POINTER(nnv_network))]


NNV_NOVELTY_NQ = 5


class nnv_novelty_element(Structure):
    _fields_ = [("n_sf", c_int), ("n_atoms", c_int), ("ridge", c_double), ("mean", POINTER(c_double)),
                ("chol", POINTER(c_double)), ("quantile", c_double * NNV_NOVELTY_NQ)]


class nnv_potential(Structure):
    _fields_ = [("flags", c_uint32), ("description", c_char_p), ("n_elements", c_int),
                ("elements", POINTER(nnv_element_model)), ("warnings", nnv_warnings), ("n_members", c_int),
                ("committee_kind", c_int), ("spread_scale", c_double),
                ("novelty", POINTER(nnv_novelty_element))]


class nnv_extrapolation(Structure):
    _fields_ = [("atom", c_int), ("sf", c_int), ("value", c_double), ("gmin", c_double), ("gmax", c_double)]


class nnv_result(Structure):
    _fields_ = [("n_atoms", c_int), ("energy", c_double), ("atomic_energies", POINTER(c_double)),
                ("forces", POINTER(c_double)), ("hessian", POINTER(c_double)), ("sf_offset", POINTER(c_int)),
                ("sf_values", POINTER(c_double)), ("n_extrapolations", c_int),
                ("extrapolations", POINTER(nnv_extrapolation)), ("has_charges", c_int),
                ("total_charge", c_double), ("raw_charges", POINTER(c_double)), ("charges", POINTER(c_double)),
                ("dipole", c_double * 3), ("dipole_deriv", POINTER(c_double)), ("n_members", c_int),
                ("member_energies", POINTER(c_double)), ("energy_std", c_double),
                ("member_forces", POINTER(c_double)), ("force_std", POINTER(c_double))]


NNV_WANT_FORCES = 1
NNV_WANT_HESSIAN = 2
NNV_WANT_CHARGES = 4
NNV_WANT_DIPOLE_DERIV = 8
NNV_FLAG_CHARGES = 1


class nnv_compute_options(Structure):
    _fields_ = [("want", c_uint), ("total_charge", c_double), ("max_hessian_mb", c_double)]


class nnv_opt_options(Structure):
    _fields_ = [("max_steps", c_int), ("fmax", c_double), ("max_step", c_double)]


class nnv_opt_report(Structure):
    _fields_ = [("steps", c_int), ("converged", c_int), ("energy", c_double), ("max_force", c_double),
                ("stalled", c_int)]


class nnv_reliability_thresholds(Structure):
    _fields_ = [(name, c_double) for name in (
        "novelty_uncertain", "novelty_unreliable", "freq_std_uncertain", "freq_std_unreliable",
        "force_std_uncertain", "force_std_unreliable", "stationary_fmax", "imaginary_cm1")]


class nnv_analysis_options(Structure):
    _fields_ = [("optimize", c_int), ("opt", nnv_opt_options), ("total_charge", c_double), ("linear", c_int),
                ("hessian", c_int), ("fd_check", c_int), ("fd_step", c_double), ("max_hessian_mb", c_double),
                ("reliability", nnv_reliability_thresholds), ("symmetrize", c_int),
                ("symmetry_tol", c_double)]


class nnv_fd_disagreement(Structure):
    _fields_ = [("step", c_double), ("max_abs", c_double), ("max_rel", c_double), ("max_freq", c_double)]


class nnv_vib(Structure):
    _fields_ = [("n_atoms", c_int), ("linear", c_int), ("n_rigid", c_int), ("n_modes", c_int),
                ("principal_moments", c_double * 3), ("eigenvalues", POINTER(c_double)),
                ("frequencies", POINTER(c_double)), ("reduced_masses", POINTER(c_double)),
                ("force_constants", POINTER(c_double)), ("modes", POINTER(c_double)),
                ("ir_intensities", POINTER(c_double)), ("dipole_deriv_normal", POINTER(c_double))]


NNV_RELIABILITY_MAX_REASONS = 10
NNV_RELIABILITY_REASON_LEN = 256


class nnv_reliability(Structure):
    _fields_ = [("verdict", c_int), ("reasons", c_uint), ("n_reasons", c_int),
                ("reason", (c_char * NNV_RELIABILITY_REASON_LEN) * NNV_RELIABILITY_MAX_REASONS),
                ("reason_verdict", c_int * NNV_RELIABILITY_MAX_REASONS),
                ("reason_code", c_uint * NNV_RELIABILITY_MAX_REASONS),
                ("has_committee", c_int), ("mean_freq_std", c_double), ("max_freq_std", c_double),
                ("max_freq_std_mode", c_int), ("max_force_std", c_double), ("max_force_std_atom", c_int),
                ("has_novelty", c_int), ("max_novelty", c_double), ("max_novelty_atom", c_int),
                ("n_novel_atoms", c_int), ("n_extrapolations", c_int), ("n_extrapolating_atoms", c_int),
                ("n_imaginary", c_int)]


NNV_SYM_LABEL_SIZE = 12
NNV_SYM_NAME_SIZE = 8


class nnv_point_group(Structure):
    _fields_ = [("name", c_char * NNV_SYM_NAME_SIZE), ("n_atoms", c_int), ("linear", c_int), ("order", c_int),
                ("sigma", c_int), ("searched", c_int), ("tol", c_double), ("max_deviation", c_double),
                ("center", c_double * 3), ("axes", c_double * 9), ("ops", POINTER(c_double)),
                ("perm", POINTER(c_int)), ("op_class", POINTER(c_int)), ("table", c_int)]


class nnv_mode_symmetry(Structure):
    _fields_ = [("n_modes", c_int), ("labels", POINTER(c_char * NNV_SYM_LABEL_SIZE)), ("irrep", POINTER(c_int)),
                ("set_start", POINTER(c_int)), ("n_unclear", c_int), ("status", c_char * 256)]


class nnv_analysis(Structure):
    _fields_ = [("s", POINTER(nnv_structure)), ("optimized", c_int), ("opt", nnv_opt_report),
                ("r", POINTER(nnv_result)), ("hessian_fd", POINTER(c_double)), ("hessian", POINTER(c_double)),
                ("v", POINTER(nnv_vib)), ("max_force", c_double), ("smoothness", c_int),
                ("has_fd_check", c_int), ("fd_check", nnv_fd_disagreement), ("warnings", nnv_warnings),
                ("extrapolation_warning", c_int), ("member_frequencies", POINTER(c_double)),
                ("frequency_std", POINTER(c_double)), ("reliability", nnv_reliability),
                ("point_group", POINTER(nnv_point_group)), ("mode_symmetry", POINTER(nnv_mode_symmetry)),
                ("symmetrized", c_int), ("symmetrize_shift", c_double)]


# Every mirrored struct, for the layout test.
STRUCTS = [nnv_error, nnv_warnings, nnv_structure, nnv_sf, nnv_layer, nnv_network, nnv_element_model,
           nnv_novelty_element, nnv_potential, nnv_extrapolation, nnv_result, nnv_compute_options,
           nnv_opt_options, nnv_opt_report, nnv_reliability_thresholds, nnv_analysis_options,
           nnv_fd_disagreement, nnv_vib, nnv_reliability, nnv_point_group, nnv_mode_symmetry, nnv_analysis]

# ---- finding and loading the library ---------------------------------------


def _candidates():
    """Where libnnvib may be, in the order tried."""
    env = os.environ.get("NNVIB_LIBRARY")
    if env:
        # An explicit choice is the only one: falling back would hide a typo.
        return [env]
    here = os.path.dirname(os.path.abspath(__file__))
    out = []
    # Run from the repository (python/nnvib/ in an in-tree build).
    out.append(os.path.join(here, "..", "..", ".libs", "libnnvib.so"))
    # Installed by `make install`: the libdir configure chose.
    try:
        from . import _paths
        out.append(os.path.join(_paths.LIBDIR, "libnnvib.so"))
    except ImportError:
        pass
    found = ctypes.util.find_library("nnvib")
    if found:
        out.append(found)
    out.append("libnnvib.so")  # LD_LIBRARY_PATH and the loader's defaults
    return out


def load_library():
    """Load libnnvib and declare the prototypes; raise OSError naming every place tried."""
    tried = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(path + " (no such file)")
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
            continue
        _declare(lib)
        return lib, path
    raise OSError("libnnvib not found; set NNVIB_LIBRARY to the path of libnnvib.so. Tried: " + "; ".join(tried))


def _declare(lib):
    err = POINTER(nnv_error)

    def proto(name, restype, *argtypes):
        f = getattr(lib, name)
        f.restype = restype
        f.argtypes = list(argtypes)

    proto("nnv_version", c_char_p)
    proto("nnv_strerror", c_char_p, c_int)
    proto("nnv_element_symbol", c_char_p, c_int)
    proto("nnv_element_from_symbol", c_int, c_char_p)
    proto("nnv_element_mass", c_double, c_int)
    proto("nnv_structure_new", c_int, POINTER(POINTER(nnv_structure)), c_int, POINTER(c_int), POINTER(c_double),
          err)
    proto("nnv_structure_set_mass", c_int, POINTER(nnv_structure), c_int, c_double, err)
    proto("nnv_structure_free", None, POINTER(nnv_structure))
    proto("nnv_potential_load", c_int, POINTER(POINTER(nnv_potential)), c_char_p, c_void_p, err)
    proto("nnv_potential_free", None, POINTER(nnv_potential))
    proto("nnv_potential_smoothness", c_int, POINTER(nnv_potential))
    proto("nnv_smoothness_name", c_char_p, c_int)
    proto("nnv_activation_name", c_char_p, c_int)
    proto("nnv_committee_kind_name", c_char_p, c_int)
    proto("nnv_compute", c_int, POINTER(POINTER(nnv_result)), POINTER(nnv_potential), POINTER(nnv_structure),
          POINTER(nnv_compute_options), err)
    proto("nnv_result_free", None, POINTER(nnv_result))
    proto("nnv_analyse", c_int, POINTER(POINTER(nnv_analysis)), POINTER(nnv_potential), POINTER(nnv_structure),
          POINTER(nnv_analysis_options), err)
    proto("nnv_analysis_free", None, POINTER(nnv_analysis))
    proto("nnv_verdict_name", c_char_p, c_int)
    proto("nnv_reason_name", c_char_p, c_uint)
    proto("nnv_point_group_free", None, POINTER(nnv_point_group))
