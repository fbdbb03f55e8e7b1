// BIDS-Derivatives helpers: where an output folder may lie, the names and
// URIs of derivative files, dataset_description.json, and a derivative's
// header restamped from its source (asl/bids_deriv.h, asl_nifti_restamp).
#include <nifti2_io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asl/bids_deriv.h"
#include "asl/fs.h"
#include "asl/json.h"
#include "asl/nifti.h"
#include "harness.h"

static char root[256];

static const char *at(const char *rel) {
  static char path[2][600];
  static int k;
  k ^= 1;
  snprintf(path[k], sizeof path[k], "%s/%s", root, rel);
  return path[k];
}

TEST(out_dir_inside_or_equal_is_refused_outside_is_fine) {
  ASSERT_OK(asl_make_dirs(at("ds/sub-01/perf")));
  ASSERT_EQ(ASL_EINVAL, asl_bids_check_out_dir(at("ds"), at("ds")));
  ASSERT(strstr(asl_error_message(), "the same folder as"));
  ASSERT_EQ(ASL_EINVAL, asl_bids_check_out_dir(at("ds"), at("ds/./")));
  ASSERT_EQ(ASL_EINVAL, asl_bids_check_out_dir(at("ds"), at("ds/derivatives/new/deeper")));
  ASSERT(strstr(asl_error_message(), "inside the BIDS dataset"));
  ASSERT_EQ(ASL_EINVAL, asl_bids_check_out_dir(at("ds"), at("elsewhere/../ds/x")));
  struct stat st;
  ASSERT(stat(at("ds/derivatives"), &st) != 0); // nothing created
  ASSERT_OK(asl_bids_check_out_dir(at("ds"), at("ds-denoised")));
  ASSERT_OK(asl_bids_check_out_dir(at("ds"), at("ds2/out")));
  ASSERT_EQ(ASL_ENOTFOUND, asl_bids_check_out_dir(at("none"), at("out")));
}

TEST(deriv_paths_keep_entities_and_uris_point_into_the_dataset) {
  asl_bids_scan scan;
  ASSERT_OK(asl_bids_scan_from_label(at("ds"), "sub-01_ses-2_acq-hi_run-3", NULL, &scan));
  char path[1024], uri[1024];
  ASSERT_OK(asl_bids_deriv_path(at("out"), &scan, "denoised", "asl.nii.gz", path, sizeof path));
  char want[1024];
  snprintf(want, sizeof want, "%s/sub-01/ses-2/perf/sub-01_ses-2_acq-hi_run-3_desc-denoised_asl.nii.gz",
           at("out"));
  ASSERT_STR_EQ(want, path);
  struct stat st;
  ASSERT(stat(at("out/sub-01/ses-2/perf"), &st) == 0 && S_ISDIR(st.st_mode));
  ASSERT_EQ(ASL_EINVAL, asl_bids_deriv_path(at("out"), &scan, "denoised", "asl.nii.gz", path, 20));
  FILE *f = fopen(at("ds/sub-01/perf/sub-01_asl.nii.gz"), "w");
  ASSERT(f != NULL);
  fclose(f);
  asl_bids_uri(at("ds"), at("ds/sub-01/perf/sub-01_asl.nii.gz"), uri, sizeof uri);
  ASSERT_STR_EQ("bids:raw:sub-01/perf/sub-01_asl.nii.gz", uri);
  asl_bids_uri(at("ds"), at("out/sub-01/ses-2/perf"), uri, sizeof uri);
  ASSERT(strncmp(uri, "file:///", 8) == 0 && strstr(uri, "/out/sub-01/ses-2/perf"));
}

TEST(description_is_a_derivative_json_with_its_generator) {
  char ds[600];
  snprintf(ds, sizeof ds, "%s", at("ds")); // at() reuses its buffers
  asl_bids_deriv_desc d = {"n", "aslsweep", "9.9", NULL, "aslsweep denoise 'a b' o participant", ds};
  ASSERT_OK(asl_make_dirs(at("desc")));
  ASSERT_OK(asl_bids_write_deriv_description(at("desc"), &d, "what this is\n"));
  asl_json j;
  ASSERT_OK(asl_json_read_file(&j, at("desc/dataset_description.json")));
  char buf[600];
  ASSERT_OK(asl_json_get_string(&j, "DatasetType", buf, sizeof buf, "d"));
  ASSERT_STR_EQ("derivative", buf);
  int g = asl_json_find(&j, 0, "GeneratedBy");
  ASSERT(g > 0 && j.nodes[g].count == 1);
  int first = j.nodes[g].first;
  ASSERT_STR_EQ("aslsweep", asl_json_string(&j, asl_json_find(&j, first, "Name")));
  ASSERT_STR_EQ("9.9", asl_json_string(&j, asl_json_find(&j, first, "Version")));
  ASSERT_STR_EQ(d.command_line, asl_json_string(&j, asl_json_find(&j, first, "CommandLine")));
  ASSERT(asl_json_find(&j, first, "CodeURL") < 0);
  int links = asl_json_find(&j, 0, "DatasetLinks");
  ASSERT(links > 0);
  const char *raw = asl_json_string(&j, asl_json_find(&j, links, "raw"));
  ASSERT(raw && strncmp(raw, "file:///", 8) == 0);
  ASSERT_STR_EQ("/ds", raw + strlen(raw) - 3);
  asl_json_free(&j);
  struct stat st;
  ASSERT(stat(at("desc/README"), &st) == 0 && st.st_size == 13);
}

// The written geometry keeps the source's qform/sform codes and quaternion
// exactly (not re-derived from a float affine), TR, units and descrip.
TEST(restamp_takes_the_source_geometry_and_tr_and_keeps_voxels) {
  asl_vol v, w;
  ASSERT_OK(asl_vol_init(&v, 4, 3, 2, 2));
  for (size_t i = 0; i < 48; i++) v.data[i] = (float)i - 7.25f;
  v.dx = 2, v.dy = 2, v.dz = 3;
  float aff[4][4] = {{2, 0, 0, -4}, {0, 2, 0, 5}, {0, 0, 3, 1}, {0, 0, 0, 1}};
  memcpy(v.affine, aff, sizeof aff);
  ASSERT_OK(asl_nifti_write(&v, at("src.nii.gz")));
  nifti_image *src = nifti_image_read(at("src.nii.gz"), 1); // codes the writer never sets
  ASSERT(src != NULL);
  src->qform_code = NIFTI_XFORM_ALIGNED_ANAT, src->sform_code = NIFTI_XFORM_MNI_152;
  src->qoffset_x = -3.5f;
  src->qto_xyz = nifti_quatern_to_dmat44(src->quatern_b, src->quatern_c, src->quatern_d,
                                         src->qoffset_x, src->qoffset_y, src->qoffset_z, src->dx,
                                         src->dy, src->dz, src->qfac);
  ASSERT_EQ(0, nifti_set_filenames(src, at("src2.nii.gz"), 0, 1));
  nifti_image_write(src);
  nifti_image_free(src);
  ASSERT_OK(asl_nifti_write(&v, at("out.nii.gz")));
  ASSERT_OK(asl_nifti_restamp(at("out.nii.gz"), at("src2.nii.gz"), 4.25, "aslsweep test"));
  nifti_image *o = nifti_image_read(at("out.nii.gz"), 0);
  ASSERT(o != NULL);
  ASSERT_EQ(NIFTI_XFORM_ALIGNED_ANAT, o->qform_code);
  ASSERT_EQ(NIFTI_XFORM_MNI_152, o->sform_code);
  ASSERT_NEAR(-3.5, o->qoffset_x, 0);
  ASSERT_NEAR(4.25, o->pixdim[4], 0);
  ASSERT_EQ(NIFTI_UNITS_MM, o->xyz_units);
  ASSERT_EQ(NIFTI_UNITS_SEC, o->time_units);
  ASSERT_STR_EQ("aslsweep test", o->descrip);
  nifti_image_free(o);
  ASSERT_OK(asl_nifti_read(&w, at("out.nii.gz")));
  ASSERT_EQ(0, memcmp(v.data, w.data, 48 * sizeof(float)));
  asl_vol_free(&w);
  ASSERT(access(at("out.tmp.nii.gz"), F_OK) != 0);
  // TR 0 keeps the source's pixdim[4] (1 s as asl_nifti_write sets it).
  ASSERT_OK(asl_nifti_restamp(at("out.nii.gz"), at("src2.nii.gz"), 0, ""));
  o = nifti_image_read(at("out.nii.gz"), 0);
  ASSERT(o != NULL);
  ASSERT_NEAR(1.0, o->pixdim[4], 0);
  nifti_image_free(o);
  ASSERT_EQ(ASL_EFORMAT, asl_nifti_restamp(at("out.nii.gz"), at("missing.nii.gz"), 1, ""));
  asl_vol_free(&v);
}

int main(void) {
  snprintf(root, sizeof root, "/tmp/asl_test_deriv_XXXXXX");
  if (!mkdtemp(root)) return 1;
  RUN(out_dir_inside_or_equal_is_refused_outside_is_fine);
  RUN(deriv_paths_keep_entities_and_uris_point_into_the_dataset);
  RUN(description_is_a_derivative_json_with_its_generator);
  RUN(restamp_takes_the_source_geometry_and_tr_and_keeps_voxels);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", root);
  if (system(cmd) != 0) return 1;
  return DONE();
}
