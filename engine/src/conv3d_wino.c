
// Winograd F(2x2x2, 3x3x3) for the stride-1 3x3x3 convolution: each 2x2x2
// block of outputs (a tile) comes from its 4x4x4 input window as
//   Y = A^T [ sum over ci of (G g G^T)(co, ci) . (B^T d B)(ci) ] A
// per axis, i.e. 64 independent GEMMs (one per transform-domain point xi)
// of 64 multiply-adds per tile and channel pair instead of 216.
//
// Steps, per chunk of tiles (one thread each, buffers per thread):
//   input transform  V[xi][ci][t]  (conv3d_wino_kern.h, 16 tiles at a time)
//   tile-domain GEMM M[xi][co][t] = sum over ci of U[xi][co][ci] V[xi][ci][t]
//   output transform and scatter into (N, Co, D, H, W).
// The input is first copied into a zero-padded volume rounded up to whole
// tiles, each row split into its even and odd x, so the transform of 16
// tiles along x reads unit-stride vectors. (Rows stored already transformed
// along x need twice the memory and ran about 10% slower on the 16-channel
// layers, whose transforms are bound by reading this copy.) Every output is summed in one
// fixed order whatever the thread count, and the AVX2 and AVX-512 kernels
// compute the same bits (one FMA chain per GEMM output, add-only transforms).
#include "conv3d_wino.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "conv3d_internal.h"

enum { XI = 64 };  // transform-domain points per tile

typedef struct {
  int N, D, H, W, tz, ty, tx;
  ptrdiff_t tiles;            // N tz ty tx, flat in that order
  ptrdiff_t re, rs, ps, vs;   // padded: half row, row, plane, sample volume
  ptrdiff_t cstride;          // floats per input channel of the padded copy
  ptrdiff_t cols, cs;         // tiles per chunk; column stride of V and M
  int cin, cout, cout8;
} wino_geom;

static size_t round16(size_t n) { return (n + 15) / 16 * 16; }

static void geom_init(wino_geom *g, int N, int Cin, int Cout, int D, int H, int W) {
  g->N = N, g->D = D, g->H = H, g->W = W;
  g->tz = (D + 1) / 2, g->ty = (H + 1) / 2, g->tx = (W + 1) / 2;
  g->tiles = (ptrdiff_t)N * g->tz * g->ty * g->tx;
  g->re = g->tx + 1;
  g->rs = 2 * g->re;
  g->ps = (ptrdiff_t)(2 * g->ty + 2) * g->rs;
  g->vs = (ptrdiff_t)(2 * g->tz + 2) * g->ps;
  // A group of 16 tiles reads up to 16 floats past the last row.
  g->cstride = (ptrdiff_t)round16((size_t)N * g->vs + 2 * WINO_G);
  // One GEMM micro-tile wide: per-thread V and M stay within L2 (wider
  // chunks measured no faster on the 16- and 32-channel layers).
  g->cols = WINO_PB;
  g->cs = g->cols + WINO_G;
  g->cin = Cin, g->cout = Cout;
  g->cout8 = (Cout + CONV3D_RB - 1) / CONV3D_RB * CONV3D_RB;
}

typedef struct {
  size_t pad, u, slots, slot, floats;
} wino_ws;

static wino_ws carve(const wino_geom *g, int threads) {
  wino_ws c;
  c.pad = 0;
  c.u = round16((size_t)g->cin * g->cstride);
  c.slots = c.u + round16((size_t)XI * g->cout8 * g->cin);
  c.slot = round16((size_t)XI * g->cs * (g->cin + g->cout8));
  c.floats = c.slots + c.slot * (size_t)(threads > 0 ? threads : 1);
  return c;
}

size_t conv3d_wino_workspace_floats(int N, int Cin, int Cout, int D, int H,
                                    int W, int threads) {
  wino_geom g;
  geom_init(&g, N, Cin, Cout, D, H, W);
  return carve(&g, threads).floats;
}

// ---- weights: U = G g G^T per (row, col), packed [xi][row block][col][RB]
static void g_axis(float u[4], float g0, float g1, float g2) {
  u[0] = g0;
  u[1] = (g0 + g1 + g2) * 0.5f;
  u[2] = (g0 - g1 + g2) * 0.5f;
  u[3] = g2;
}

static void transform_kernel(float u[XI], const float g[27]) {
  float a[3][3][4], b[3][4][4];
  for (int z = 0; z < 3; z++)
    for (int y = 0; y < 3; y++) g_axis(a[z][y], g[z * 9 + y * 3], g[z * 9 + y * 3 + 1], g[z * 9 + y * 3 + 2]);
  for (int z = 0; z < 3; z++)
    for (int j = 0; j < 4; j++) {
      float t[4];
      g_axis(t, a[z][0][j], a[z][1][j], a[z][2][j]);
      for (int y = 0; y < 4; y++) b[z][y][j] = t[y];
    }
  for (int y = 0; y < 4; y++)
    for (int j = 0; j < 4; j++) {
      float t[4];
      g_axis(t, b[0][y][j], b[1][y][j], b[2][y][j]);
      for (int z = 0; z < 4; z++) u[16 * z + 4 * y + j] = t[z];
    }
}

// flip = 0: rows are w's Co, cols its Ci; flip = 1 (the input gradient):
// rows Ci, cols Co, taps reversed.
static void pack_u(float *u, const float *w, int Ci, int Co, int flip,
                   const wino_geom *g) {
  int rows = g->cout, cols = g->cin, blocks = g->cout8 / CONV3D_RB;
#pragma omp parallel for schedule(static) if ((size_t)g->cout8 * cols * 400 >= NN_OMP_MIN_WORK)
  for (int rc = 0; rc < g->cout8 * cols; rc++) {
    int row = rc / cols, col = rc % cols;
    float gk[27] = {0}, t[XI] = {0};
    if (row < rows) {
      for (int k = 0; k < 27; k++)
        gk[k] = flip ? w[((size_t)col * Ci + row) * 27 + (26 - k)]
                     : w[((size_t)row * Ci + col) * 27 + k];
      transform_kernel(t, gk);
    }
    int rb = row / CONV3D_RB, r = row % CONV3D_RB;
    for (int xi = 0; xi < XI; xi++)
      u[(((size_t)xi * blocks + rb) * cols + col) * CONV3D_RB + r] = t[xi];
  }
  (void)Co;
}

// ---- input: zero-padded copy, rows split into even and odd padded x ----
static void pad_plane(float *d, const float *src, int zp, const wino_geom *g) {
  int D = g->D, H = g->H, W = g->W;
  for (int yp = 0; yp < 2 * g->ty + 2; yp++) {
    float *e = d + yp * g->rs, *o = e + g->re;
    int z = zp - 1, y = yp - 1;
    if (z < 0 || z >= D || y < 0 || y >= H) {
      memset(e, 0, sizeof(float) * (size_t)g->rs);
      continue;
    }
    const float *s = src + ((size_t)z * H + y) * W;
    // Padded x = 2k is input x = 2k - 1; padded 2k + 1 is input 2k.
    e[0] = 0.0f;
    for (ptrdiff_t k = 1; k < g->re; k++) e[k] = 2 * k - 1 < W ? s[2 * k - 1] : 0.0f;
    for (ptrdiff_t k = 0; k < g->re; k++) o[k] = 2 * k < W ? s[2 * k] : 0.0f;
  }
}

static void pad_input(float *p, const float *in, const wino_geom *g) {
  int C = g->cin, N = g->N, zps = 2 * g->tz + 2;
#pragma omp parallel for schedule(static) if ((size_t)C * g->cstride >= NN_OMP_MIN_WORK)
  for (int i = 0; i < C * N * zps; i++) {
    int c = i / (N * zps), n = (i / zps) % N, zp = i % zps;
    float *d = p + c * g->cstride + n * g->vs + zp * g->ps;
    pad_plane(d, in + ((size_t)n * C + c) * g->D * g->H * g->W, zp, g);
    if (n == N - 1 && zp == zps - 1)
      memset(d + g->ps, 0, sizeof(float) * (size_t)(g->cstride - N * g->vs));
  }
}

// ---- one chunk of tiles [f0, f0 + T) --------------------------------------
typedef struct {
  int n, z, y, x, len;  // tile-grid start of a run along x, and its length
} tile_run;

static tile_run run_at(ptrdiff_t f, ptrdiff_t end, const wino_geom *g) {
  tile_run r;
  ptrdiff_t row = f / g->tx;
  r.x = (int)(f % g->tx);
  r.n = (int)(row / ((ptrdiff_t)g->tz * g->ty));
  r.z = (int)(row / g->ty % g->tz);
  r.y = (int)(row % g->ty);
  r.len = (int)(g->tx - r.x < end - f ? g->tx - r.x : end - f);
  return r;
}

// Runs are taken in increasing column order: a group of 16 that overhangs
// its run writes columns the next run overwrites (or that nobody reads).
static void chunk_in(const conv3d_kernels *k, float *v, const float *p,
                     ptrdiff_t f0, ptrdiff_t T, const wino_geom *g) {
  ptrdiff_t xs = (ptrdiff_t)g->cin * g->cs;
  for (ptrdiff_t f = f0; f < f0 + T;) {
    tile_run r = run_at(f, f0 + T, g);
    const float *base = p + r.n * g->vs + 2 * r.z * g->ps + 2 * r.y * g->rs + r.x;
    for (int ci = 0; ci < g->cin; ci++)
      for (int i = 0; i < r.len; i += WINO_G)
        k->win(v + ci * g->cs + (f - f0) + i, xs, base + ci * g->cstride + i,
               g->rs, g->ps, g->re);
    f += r.len;
  }
}

static void chunk_gemm(const conv3d_kernels *k, float *m, const float *v,
                       const float *u, ptrdiff_t T, const wino_geom *g) {
  int blocks = g->cout8 / CONV3D_RB;
  ptrdiff_t groups = (T + WINO_PB - 1) / WINO_PB;
  for (int xi = 0; xi < XI; xi++) {
    const float *vx = v + (size_t)xi * g->cin * g->cs;
    for (int rb = 0; rb < blocks; rb++) {
      float *mx = m + ((size_t)xi * g->cout8 + rb * CONV3D_RB) * g->cs;
      const float *ux = u + ((size_t)xi * blocks + rb) * g->cin * CONV3D_RB;
      for (ptrdiff_t c = 0; c < groups; c++)
        k->wgemm(mx + c * WINO_PB, g->cs, vx + c * WINO_PB, g->cs, ux, g->cin);
    }
  }
}

// Writes the 2x2x2 outputs of `cnt` tiles starting at tile-grid (n, z, y, x)
// for channel co, clipped to the volume.
static void store_tiles(float *out, const float y[2][2][2 * WINO_G], int cnt,
                        tile_run r, int x, int co, float bias, int accumulate,
                        const wino_geom *g) {
  int D = g->D, H = g->H, W = g->W;
  int len = W - 2 * x < 2 * cnt ? W - 2 * x : 2 * cnt;
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2; b++) {
      int zz = 2 * r.z + a, yy = 2 * r.y + b;
      if (zz >= D || yy >= H) continue;
      float *o = out + ((((size_t)r.n * g->cout + co) * D + zz) * H + yy) * W + 2 * x;
      const float *s = y[a][b];
      if (accumulate)
        for (int i = 0; i < len; i++) o[i] += s[i];
      else
        for (int i = 0; i < len; i++) o[i] = s[i] + bias;
    }
}

static void chunk_out(const conv3d_kernels *k, float *out, const float *b,
                      int accumulate, const float *m, ptrdiff_t f0, ptrdiff_t T,
                      const wino_geom *g) {
  ptrdiff_t xs = (ptrdiff_t)g->cout8 * g->cs;
  for (ptrdiff_t f = f0; f < f0 + T;) {
    tile_run r = run_at(f, f0 + T, g);
    for (int co = 0; co < g->cout; co++)
      for (int i = 0; i < r.len; i += WINO_G) {
        _Alignas(64) float y[2][2][2 * WINO_G];
        k->wout(y, m + co * g->cs + (f - f0) + i, xs);
        int cnt = r.len - i < WINO_G ? r.len - i : WINO_G;
        store_tiles(out, (const float(*)[2][2 * WINO_G])y, cnt, r, r.x + i, co,
                    b ? b[co] : 0.0f, accumulate, g);
      }
    f += r.len;
  }
}

void conv3d_wino(float *out, const float *b, int accumulate, const float *in,
                 const float *w, int Ci, int Co, int flip, int N, int D, int H,
                 int W, float *ws) {
  wino_geom g;
  geom_init(&g, N, flip ? Co : Ci, flip ? Ci : Co, D, H, W);
  int threads = omp_get_max_threads();
  wino_ws c = carve(&g, threads);
  const conv3d_kernels *k = conv3d_kernels_get();
  pad_input(ws + c.pad, in, &g);
  pack_u(ws + c.u, w, Ci, Co, flip, &g);
  ptrdiff_t chunks = (g.tiles + g.cols - 1) / g.cols;
  double macs = (double)g.tiles * XI * g.cin * g.cout;
#pragma omp parallel for schedule(static) if (chunks > 1 && macs >= NN_CONV3D_MIN_MACS)
  for (ptrdiff_t ch = 0; ch < chunks; ch++) {
    float *v = ws + c.slots + c.slot * (size_t)omp_get_thread_num();
    float *m = v + (size_t)XI * g.cin * g.cs;
    ptrdiff_t f0 = ch * g.cols, T = g.tiles - f0 < g.cols ? g.tiles - f0 : g.cols;
    chunk_in(k, v, ws + c.pad, f0, T, &g);
    chunk_gemm(k, m, v, ws + c.u, T, &g);
    chunk_out(k, out, b, accumulate, m, f0, T, &g);
  }
}

// Measured per U-Net layer (bench/unet3d/RESULTS.md): the transforms cost
// about as much as the tile-domain GEMM at 16 channels and lose to the
// direct kernel below that (the 2-channel first layer); on coarse grids the
// tiles of one sample fill too few chunks to share among threads and the
// edge tiles waste most of their work. The rule depends on neither the
// batch nor the thread count nor the instruction set, so a sample's output
// does not depend on them either. ASLSWEEP_WINOGRAD=off|on overrides it
// (auto or unset: this rule; other values are refused by nn_isa_init).
int conv3d_wino_chosen(int N, int Cin, int Cout, int D, int H, int W) {
  (void)N;
  const char *e = getenv("ASLSWEEP_WINOGRAD");
  if (e && strcmp(e, "off") == 0) return 0;
  if (e && strcmp(e, "on") == 0) return 1;
  long tiles = (long)((D + 1) / 2) * ((H + 1) / 2) * ((W + 1) / 2);
  return Cin >= 16 && Cout >= 16 && D >= 4 && H >= 4 && W >= 4 && tiles >= 64;
}
