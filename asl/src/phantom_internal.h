// Shared pieces of the phantom generator; not public.
#ifndef ASL_PHANTOM_INTERNAL_H
#define ASL_PHANTOM_INTERNAL_H

#include "asl/phantom.h"
#include "asl/rng.h"

// A smooth random field: a sum of a few plane waves of low spatial frequency
// (at most `max_cycles` periods across the grid), about unit standard
// deviation. Cheap, deterministic, and smooth at any grid size.
#define PH_PI 3.14159265358979323846
#define PH_WAVES 8
typedef struct {
  double k[PH_WAVES][3]; // radians per voxel
  double phase[PH_WAVES];
  double amp;
} ph_field;

void ph_field_init(ph_field *f, asl_rng *r, const int shape[3], double max_cycles);
double ph_field_at(const ph_field *f, double x, double y, double z);

// Trilinear sample of frame t at voxel coordinates (x, y, z); 0 outside.
float ph_sample(const asl_vol *v, int t, double x, double y, double z);
// Nearest-neighbour sample (for labels); 0 outside.
float ph_sample_nearest(const asl_vol *v, int t, double x, double y, double z);

// Pieces of one subject, in phantom_signal.c.
asl_status ph_make_series(asl_phantom_subject *s, const asl_phantom_opts *o, asl_rng *r,
                          const asl_vol *static_signal);

// Constants of the kinetic model (docs/data.md).
#define PH_LAMBDA 0.9        // blood-brain partition coefficient (ml/g)
#define PH_T1B 1.65          // T1 of arterial blood at 3 T (s)
#define PH_ALPHA_PCASL 0.85  // pCASL labeling efficiency
#define PH_ALPHA_PASL 0.98   // PASL inversion efficiency
#define PH_PLD 1.8           // pCASL post-labeling delay (s)
#define PH_TAU 1.8           // pCASL labeling duration (s)
#define PH_TI 1.8            // PASL inversion time (s)
#define PH_TI1 0.8           // PASL bolus cut-off time (Q2TIPS) (s)
#define PH_M0_SCALE 1000.0   // M0 of pure CSF, arbitrary units
#define PH_PD_GM 0.85        // proton density relative to CSF
#define PH_PD_WM 0.72
#define PH_PD_CSF 1.0
#define PH_CBF_GM 60.0       // ml/100g/min
#define PH_CBF_WM 20.0
#define PH_BS_RESIDUAL 0.1   // static tissue signal left by background suppression

// Delta-M per unit M0 and unit CBF (ml/100g/min) for the options' labeling.
double ph_deltam_per_cbf(const asl_phantom_opts *o);

#endif
