/* nnvib: exact analytic Hessians and vibrational spectra of Behler–Parrinello
 * neural-network potentials. Umbrella header: include this one. */
#ifndef NNVIB_H
#define NNVIB_H

#include <nnvib/core.h>
#include <nnvib/units.h>
#include <nnvib/structure.h>
#include <nnvib/potential.h>
#include <nnvib/model.h>
#include <nnvib/vib.h>
#include <nnvib/optimize.h>
#include <nnvib/n2p2.h>
#include <nnvib/thermo.h>
#include <nnvib/spectrum.h>
#include <nnvib/output.h>
#include <nnvib/jcamp.h>
#include <nnvib/similarity.h>
#include <nnvib/plot.h>
#include <nnvib/reference.h>
#include <nnvib/analysis.h>
#include <nnvib/compare.h>
#include <nnvib/diagnostics.h>
#include <nnvib/md.h>
#include <nnvib/novelty.h>
#include <nnvib/reliability.h>
#include <nnvib/symmetry.h>
#include <nnvib/pinn.h>

#endif
