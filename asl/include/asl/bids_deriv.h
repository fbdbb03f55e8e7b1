// BIDS-Derivatives output (`aslsweep denoise BIDS_DIR OUT_DIR participant`):
// where a derivatives folder may lie, its dataset_description.json, and
// how its files refer back to the raw dataset.
#ifndef ASL_BIDS_DERIV_H
#define ASL_BIDS_DERIV_H

#include <stddef.h>

#include "asl/bids.h"

// Refuses an output folder equal to the raw dataset or inside it (the
// validator and every BIDS reader would take the outputs for raw data):
// ASL_EINVAL naming both resolved paths. `out` need not exist yet; nothing
// is created.
asl_status asl_bids_check_out_dir(const char *bids_root, const char *out);

typedef struct {
  const char *name;         // "Name"
  const char *generator;    // GeneratedBy[0].Name
  const char *version;      // GeneratedBy[0].Version
  const char *code_url;     // GeneratedBy[0].CodeURL, NULL: left out
  const char *command_line; // GeneratedBy[0].CommandLine
  const char *source;       // the raw dataset's folder: SourceDatasets and DatasetLinks "raw"
} asl_bids_deriv_desc;

// An OUT_DIR that already holds a dataset must be a derivative of the same
// generator (a rerun, other participants): anything else (a raw dataset,
// another pipeline's derivatives) is refused naming its description, so it
// is never overwritten. A folder without a description is fine.
asl_status asl_bids_check_out_owner(const char *out, const char *generator);

// Writes OUT/dataset_description.json (DatasetType "derivative", BIDSVersion
// ASL_BIDS_VERSION) and, when OUT has none, a README saying what the folder
// holds; OUT must exist.
#define ASL_BIDS_VERSION "1.10.0"
asl_status asl_bids_write_deriv_description(const char *out, const asl_bids_deriv_desc *d,
                                            const char *readme);

// How a derivative names one of its inputs: "bids:raw:<path relative to
// root>" for a file inside the raw dataset (the DatasetLinks key above),
// else a file:// URI of its absolute path.
void asl_bids_uri(const char *root, const char *path, char *out, size_t n);

// OUT/<sub>/[<ses>/]perf/<stem>_desc-<desc>_<suffix>: the scan's entities
// kept (sub, ses, acq, run, ...) with `desc` inserted before the suffix.
// Creates the folder. ASL_EINVAL when the name does not fit in n.
asl_status asl_bids_deriv_path(const char *out, const asl_bids_scan *scan, const char *desc,
                               const char *suffix, char *path, size_t n);

#endif
