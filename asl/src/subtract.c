// Label-control subtraction: the difference volumes of a subject.
#include <stdio.h>
#include <string.h>

#include "subject_internal.h"

static int is_pair(int a, int b) {
  return (a == ASL_VOL_CONTROL && b == ASL_VOL_LABEL) || (a == ASL_VOL_LABEL && b == ASL_VOL_CONTROL);
}

asl_status asl_context_check(const int *types, int n, const char *name, int *n_deltam) {
  int count = 0;
  for (int t = 0; t < n; t++) {
    if (types[t] == ASL_VOL_DELTAM) {
      count++;
    } else if (types[t] == ASL_VOL_CONTROL || types[t] == ASL_VOL_LABEL) {
      if (t + 1 >= n || !is_pair(types[t], types[t + 1]))
        return asl_fail(ASL_EFORMAT,
                        "%s: volume %d (%s, row %d) has no adjacent %s to pair with; control and "
                        "label volumes must alternate",
                        name, t, types[t] == ASL_VOL_CONTROL ? "control" : "label", t + 2,
                        types[t] == ASL_VOL_CONTROL ? "label" : "control");
      count++;
      t++;
    }
  }
  if (count == 0)
    return asl_fail(ASL_EFORMAT,
                    "%s: no control/label pairs and no deltam volumes; nothing to denoise", name);
  *n_deltam = count;
  return ASL_OK;
}

int asl_subject_n_deltam(const asl_subject *s) {
  int n = 0;
  for (int t = 0; t < s->asl.nt; t++) {
    if (s->vol_type[t] == ASL_VOL_DELTAM) n++;
    else if (t + 1 < s->asl.nt && is_pair(s->vol_type[t], s->vol_type[t + 1])) n++, t++;
  }
  return n;
}

asl_status asl_subject_deltam(const asl_subject *s, asl_vol *deltam) {
  memset(deltam, 0, sizeof *deltam);
  int n = 0;
  asl_status st = asl_context_check(s->vol_type, s->asl.nt, s->id, &n);
  if (st != ASL_OK) return st;
  st = asl_vol_init_like(deltam, &s->asl, n);
  if (st != ASL_OK) return st;
  size_t nvox = asl_vol_nvox(&s->asl);
  int out = 0, skipped = 0;
  for (int t = 0; t < s->asl.nt; t++) {
    int type = s->vol_type[t];
    float *dst = asl_vol_frame(deltam, out);
    if (type == ASL_VOL_DELTAM) {
      memcpy(dst, asl_vol_frame(&s->asl, t), nvox * sizeof(float));
      out++;
    } else if (type == ASL_VOL_CONTROL || type == ASL_VOL_LABEL) {
      const float *a = asl_vol_frame(&s->asl, t), *b = asl_vol_frame(&s->asl, t + 1);
      const float *control = type == ASL_VOL_CONTROL ? a : b, *label = type == ASL_VOL_CONTROL ? b : a;
      for (size_t i = 0; i < nvox; i++) dst[i] = control[i] - label[i];
      out++;
      t++;
    } else if (type == ASL_VOL_OTHER) {
      skipped++;
    }
  }
  if (skipped)
    fprintf(stderr, "warning: %s: %d volume(s) of type cbf/noRF skipped (not control, label or deltam)\n",
            s->id, skipped);
  return ASL_OK;
}
