// Native training kernels for the wasm backend of TensorFlow.js (see src/native/native-kernels.ts).
//
// Every kernel reads and writes float32 NHWC tensors in the wasm backend's heap: the JavaScript
// side passes the heap's ArrayBuffer and byte offsets. Convolutions are im2col + a blocked SGEMM
// (a register-tiled micro-kernel written with GCC vector extensions, so that -march=native gives
// AVX-512, AVX2 or SSE code), split over a small pool of threads by image or by matrix rows.
// Built by native/build.mjs with plain g++ and the headers that ship with Node (node_api.h).
#include <node_api.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

// ---------------------------------------------------------------------------------------------
// Thread pool: the calling thread plus (threads - 1) workers. run(n, fn) calls fn(task, worker)
// for task = 0..n-1, spread over the threads, and returns when all are done.
class Pool {
 public:
  explicit Pool(int threads) { resize(threads); }
  ~Pool() { stop(); }

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int threads) {
    stop();
    threads = std::max(1, threads);
    quit_ = false;
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { loop(i); });
  }

  void run(int tasks, const std::function<void(int, int)>& fn) {
    if (tasks <= 0) return;
    // One run at a time (several Node threads may share the pool); kernels never nest runs.
    std::lock_guard<std::mutex> serial(runMu_);
    if (workers_.empty() || tasks == 1) {
      for (int t = 0; t < tasks; ++t) fn(t, 0);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      fn_ = &fn;
      tasks_ = tasks;
      next_.store(0);
      closed_ = false;
      ++generation_;
    }
    wake_.notify_all();
    work(0);
    // Wait only for the workers that joined: on a busy machine a worker that has not woken yet
    // must not hold the step up (the calling thread has taken its tasks).
    std::unique_lock<std::mutex> lock(mu_);
    closed_ = true;
    done_.wait(lock, [this] { return busy_ == 0; });
    fn_ = nullptr;
  }

 private:
  void work(int worker) {
    for (;;) {
      int t = next_.fetch_add(1);
      if (t >= tasks_) break;
      (*fn_)(t, worker);
    }
  }

  void loop(int worker) {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [&] { return quit_ || generation_ != seen; });
        if (quit_) return;
        seen = generation_;
        if (closed_) continue;
        ++busy_;
      }
      work(worker);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (--busy_ == 0) done_.notify_one();
      }
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      quit_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  std::vector<std::thread> workers_;
  std::mutex mu_, runMu_;
  std::condition_variable wake_, done_;
  const std::function<void(int, int)>* fn_ = nullptr;
  std::atomic<int> next_{0};
  int tasks_ = 0;
  int busy_ = 0;
  bool closed_ = true;
  uint64_t generation_ = 0;
  bool quit_ = false;
};

Pool* pool = nullptr;

// ---------------------------------------------------------------------------------------------
// SGEMM. C[M,N] (row stride ldc) = or += op(A)[M,K] · op(B)[K,N], op = optional transpose.
#if defined(__AVX512F__)
constexpr int VW = 16;
const char* kIsa = "avx512";
#elif defined(__AVX__)
constexpr int VW = 8;
const char* kIsa = "avx2";
#else
constexpr int VW = 4;
const char* kIsa = "sse";
#endif
typedef float vf __attribute__((vector_size(VW * 4)));
// Register tiles: MR rows × NV vectors of C. Two vectors of 6 rows in general; one vector of 12
// rows when C has at most one vector's width of columns (16-channel layers on AVX-512), so that
// half of every tile is not padding.
constexpr int MR = 6;
constexpr int NR = 2 * VW;
constexpr int KC = 256;

inline vf loadv(const float* p) {
  vf v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
inline void storev(float* p, vf v) { std::memcpy(p, &v, sizeof(v)); }

struct Mat {
  const float* p;
  int ld;
  bool trans;
  // element (row i, column j) of op(X)
  float at(int i, int j) const { return trans ? p[static_cast<size_t>(j) * ld + i] : p[static_cast<size_t>(i) * ld + j]; }
};

// Packs rows [i0, i0+mc) × columns [k0, k0+kc) of op(A) into MR-row panels: panel r holds, for each
// k, MR consecutive floats (zero past the last row).
template <int MR>
void packA(const Mat& a, int i0, int mc, int k0, int kc, float* dst) {
  for (int r = 0; r < mc; r += MR) {
    int rows = std::min(MR, mc - r);
    if (!a.trans) {
      for (int k = 0; k < kc; ++k) {
        for (int i = 0; i < rows; ++i) dst[k * MR + i] = a.p[static_cast<size_t>(i0 + r + i) * a.ld + k0 + k];
        for (int i = rows; i < MR; ++i) dst[k * MR + i] = 0.f;
      }
    } else {
      for (int k = 0; k < kc; ++k) {
        const float* src = a.p + static_cast<size_t>(k0 + k) * a.ld + i0 + r;
        for (int i = 0; i < rows; ++i) dst[k * MR + i] = src[i];
        for (int i = rows; i < MR; ++i) dst[k * MR + i] = 0.f;
      }
    }
    dst += static_cast<size_t>(kc) * MR;
  }
}

// Packs rows [k0, k0+kc) × columns [j0, j0+nc) of op(B) into NR-column panels.
template <int NR>
void packB(const Mat& b, int k0, int kc, int j0, int nc, float* dst) {
  for (int c = 0; c < nc; c += NR) {
    int cols = std::min(NR, nc - c);
    if (!b.trans) {
      for (int k = 0; k < kc; ++k) {
        const float* src = b.p + static_cast<size_t>(k0 + k) * b.ld + j0 + c;
        float* d = dst + k * NR;
        if (cols == NR) {
          std::memcpy(d, src, sizeof(float) * NR);
        } else {
          for (int j = 0; j < cols; ++j) d[j] = src[j];
          for (int j = cols; j < NR; ++j) d[j] = 0.f;
        }
      }
    } else {
      for (int k = 0; k < kc; ++k) {
        float* d = dst + k * NR;
        for (int j = 0; j < cols; ++j) d[j] = b.p[static_cast<size_t>(j0 + c + j) * b.ld + k0 + k];
        for (int j = cols; j < NR; ++j) d[j] = 0.f;
      }
    }
    dst += static_cast<size_t>(kc) * NR;
  }
}

// MR×(NV·VW) block of C (+)= packed A panel · packed B panel.
template <int MR, int NV>
inline void micro(int kc, const float* __restrict a, const float* __restrict b, float* c, int ldc, bool acc, int mr, int nr) {
  constexpr int NR = NV * VW;
  vf cv[MR][NV];
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) cv[i][v] = vf{};
  for (int k = 0; k < kc; ++k) {
    vf bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = loadv(b + k * NR + v * VW);
    const float* ak = a + k * MR;
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i)
      for (int v = 0; v < NV; ++v) cv[i][v] += ak[i] * bv[v];
  }
  if (mr == MR && nr == NR) {
    for (int i = 0; i < MR; ++i) {
      float* ci = c + static_cast<size_t>(i) * ldc;
      for (int v = 0; v < NV; ++v) storev(ci + v * VW, acc ? loadv(ci + v * VW) + cv[i][v] : cv[i][v]);
    }
    return;
  }
  alignas(64) float tmp[MR * NR];
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) storev(tmp + i * NR + v * VW, cv[i][v]);
  for (int i = 0; i < mr; ++i) {
    float* ci = c + static_cast<size_t>(i) * ldc;
    for (int j = 0; j < nr; ++j) ci[j] = acc ? ci[j] + tmp[i * NR + j] : tmp[i * NR + j];
  }
}

struct Scratch {
  std::vector<float> a, b, col, partial;
};
thread_local Scratch scratch;

float* grow(std::vector<float>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

// Single-threaded: rows [i0,i1) and columns [j0,j1) of C, with MR×(NV·VW) register tiles.
template <int MR, int NV>
void gemmTiles(int i0, int i1, int j0, int j1, int K, const Mat& a, const Mat& b, float* C, int ldc, bool acc) {
  constexpr int NR = NV * VW;
  constexpr int MC = MR * 16;
  int nc = j1 - j0;
  int ncp = (nc + NR - 1) / NR * NR;
  float* pb = grow(scratch.b, static_cast<size_t>(KC) * ncp);
  float* pa = grow(scratch.a, static_cast<size_t>(KC) * MC);
  for (int k0 = 0; k0 < K; k0 += KC) {
    int kc = std::min(KC, K - k0);
    bool accumulate = acc || k0 > 0;
    packB<NR>(b, k0, kc, j0, nc, pb);
    for (int m0 = i0; m0 < i1; m0 += MC) {
      int mc = std::min(MC, i1 - m0);
      packA<MR>(a, m0, mc, k0, kc, pa);
      for (int c = 0; c < nc; c += NR) {
        const float* bp = pb + static_cast<size_t>(c / NR) * kc * NR;
        for (int r = 0; r < mc; r += MR) {
          micro<MR, NV>(kc, pa + static_cast<size_t>(r / MR) * kc * MR, bp, C + static_cast<size_t>(m0 + r) * ldc + j0 + c, ldc, accumulate,
                        std::min(MR, mc - r), std::min(NR, nc - c));
        }
      }
    }
  }
}

void gemmBlock(int i0, int i1, int j0, int j1, int K, const Mat& a, const Mat& b, float* C, int ldc, bool acc) {
  if (j1 <= j0 || i1 <= i0) return;
  if (K == 0) {
    if (!acc) for (int i = i0; i < i1; ++i) std::fill(C + static_cast<size_t>(i) * ldc + j0, C + static_cast<size_t>(i) * ldc + j1, 0.f);
    return;
  }
  if (j1 - j0 <= VW) gemmTiles<12, 1>(i0, i1, j0, j1, K, a, b, C, ldc, acc);
  else gemmTiles<MR, 2>(i0, i1, j0, j1, K, a, b, C, ldc, acc);
}

// Multi-threaded GEMM: splits the rows (or, for few rows, the columns) over the pool.
void gemm(int M, int N, int K, const Mat& a, const Mat& b, float* C, int ldc, bool acc) {
  int T = pool->size();
  double work = static_cast<double>(M) * N * K;
  if (T == 1 || work < 2e5) {
    gemmBlock(0, M, 0, N, K, a, b, C, ldc, acc);
    return;
  }
  if (M >= T * MR * 4 || M >= N) {
    int chunk = ((M + T - 1) / T + MR - 1) / MR * MR;
    int tasks = (M + chunk - 1) / chunk;
    pool->run(tasks, [&](int t, int) { gemmBlock(t * chunk, std::min(M, (t + 1) * chunk), 0, N, K, a, b, C, ldc, acc); });
  } else {
    int chunk = ((N + T - 1) / T + NR - 1) / NR * NR;
    int tasks = (N + chunk - 1) / chunk;
    pool->run(tasks, [&](int t, int) { gemmBlock(0, M, t * chunk, std::min(N, (t + 1) * chunk), K, a, b, C, ldc, acc); });
  }
}

// ---------------------------------------------------------------------------------------------
// Convolution geometry, NHWC input [n,h,w,c], filter HWIO [kh,kw,c,co], output [n,oh,ow,co].
struct Conv {
  int n, h, w, c, kh, kw, co, oh, ow, sh, sw, dh, dw, top, left;
  int K() const { return kh * kw * c; }
  int P() const { return oh * ow; }
  bool pointwise() const { return kh == 1 && kw == 1 && sh == 1 && sw == 1 && top == 0 && left == 0 && oh == h && ow == w; }
};

// Short runs are copied inline: a libc call per run of a few channels costs more than the copy.
inline void copyRun(float* __restrict dst, const float* __restrict src, int n) {
  if (n >= 64) {
    std::memcpy(dst, src, sizeof(float) * n);
    return;
  }
  for (int i = 0; i < n; ++i) dst[i] = src[i];
}
inline void addRun(float* __restrict dst, const float* __restrict src, int n) {
  for (int i = 0; i < n; ++i) dst[i] += src[i];
}

// col[P, K] of one image. With dilation 1 a window row lies contiguous in NHWC (kw·c floats), so
// a row inside the image is one run.
void im2col(const Conv& g, const float* x, float* col) {
  const int K = g.K();
  const int run = g.kw * g.c;
  for (int oy = 0; oy < g.oh; ++oy) {
    for (int ox = 0; ox < g.ow; ++ox) {
      float* row = col + static_cast<size_t>(oy * g.ow + ox) * K;
      const int ix0 = ox * g.sw - g.left;
      const bool inside = g.dw == 1 && ix0 >= 0 && ix0 + g.kw <= g.w;
      for (int ky = 0; ky < g.kh; ++ky) {
        int iy = oy * g.sh - g.top + ky * g.dh;
        float* dst = row + ky * run;
        if (iy < 0 || iy >= g.h) {
          std::fill(dst, dst + run, 0.f);
          continue;
        }
        const float* src = x + static_cast<size_t>(iy) * g.w * g.c;
        if (inside) {
          copyRun(dst, src + static_cast<size_t>(ix0) * g.c, run);
          continue;
        }
        for (int kx = 0; kx < g.kw; ++kx) {
          int ix = ix0 + kx * g.dw;
          if (ix < 0 || ix >= g.w) std::fill(dst + kx * g.c, dst + (kx + 1) * g.c, 0.f);
          else copyRun(dst + kx * g.c, src + static_cast<size_t>(ix) * g.c, g.c);
        }
      }
    }
  }
}

// dx (one image, zeroed by the caller) += col2im(dcol[P, K]).
void col2im(const Conv& g, const float* dcol, float* dx) {
  const int K = g.K();
  const int run = g.kw * g.c;
  for (int oy = 0; oy < g.oh; ++oy) {
    for (int ox = 0; ox < g.ow; ++ox) {
      const float* row = dcol + static_cast<size_t>(oy * g.ow + ox) * K;
      const int ix0 = ox * g.sw - g.left;
      const bool inside = g.dw == 1 && ix0 >= 0 && ix0 + g.kw <= g.w;
      for (int ky = 0; ky < g.kh; ++ky) {
        int iy = oy * g.sh - g.top + ky * g.dh;
        if (iy < 0 || iy >= g.h) continue;
        const float* src = row + ky * run;
        float* dst = dx + static_cast<size_t>(iy) * g.w * g.c;
        if (inside) {
          addRun(dst + static_cast<size_t>(ix0) * g.c, src, run);
          continue;
        }
        for (int kx = 0; kx < g.kw; ++kx) {
          int ix = ix0 + kx * g.dw;
          if (ix < 0 || ix >= g.w) continue;
          addRun(dst + static_cast<size_t>(ix) * g.c, src + kx * g.c, g.c);
        }
      }
    }
  }
}

// Activations of the fused kernels, as tfjs names them.
enum Act { kLinear = 0, kRelu = 1, kRelu6 = 2, kLeakyRelu = 3, kElu = 4, kSigmoid = 5 };

void epilogue(float* out, size_t rows, int co, const float* bias, int act, float alpha) {
  for (size_t r = 0; r < rows; ++r) {
    float* o = out + r * co;
    if (bias != nullptr) for (int j = 0; j < co; ++j) o[j] += bias[j];
    switch (act) {
      case kRelu:
        for (int j = 0; j < co; ++j) o[j] = o[j] > 0.f ? o[j] : 0.f;
        break;
      case kRelu6:
        for (int j = 0; j < co; ++j) o[j] = std::min(6.f, std::max(0.f, o[j]));
        break;
      case kLeakyRelu:
        for (int j = 0; j < co; ++j) o[j] = o[j] < 0.f ? alpha * o[j] : o[j];
        break;
      case kElu:
        for (int j = 0; j < co; ++j) o[j] = o[j] >= 0.f ? o[j] : std::expm1(o[j]);
        break;
      case kSigmoid:
        for (int j = 0; j < co; ++j) o[j] = 1.f / (1.f + std::exp(-o[j]));
        break;
      default:
        break;
    }
  }
}

// Images per task: enough rows for the GEMM, little enough for the caches.
int imagesPerTask(const Conv& g) {
  size_t perImage = static_cast<size_t>(g.P()) * g.K();
  int per = static_cast<int>(std::max<size_t>(1, (256u * 1024u) / std::max<size_t>(1, perImage)));
  int T = pool->size();
  return std::max(1, std::min(per, (g.n + T - 1) / T));
}

void convForward(const Conv& g, const float* x, const float* f, const float* bias, float* y, int act, float alpha) {
  const int K = g.K(), P = g.P();
  const size_t xs = static_cast<size_t>(g.h) * g.w * g.c, ys = static_cast<size_t>(P) * g.co;
  if (g.n == 1 || g.pointwise()) {
    // One matrix product over all images (or over the rows of the one image).
    const float* col = x;
    if (!g.pointwise()) {
      float* c = grow(scratch.col, static_cast<size_t>(P) * K);
      im2col(g, x, c);
      col = c;
    }
    int rows = g.pointwise() ? g.n * P : P;
    gemm(rows, g.co, K, Mat{col, K, false}, Mat{f, g.co, false}, y, g.co, false);
    epilogue(y, static_cast<size_t>(rows), g.co, bias, act, alpha);
    return;
  }
  const int per = imagesPerTask(g);
  const int tasks = (g.n + per - 1) / per;
  pool->run(tasks, [&](int t, int) {
    int b0 = t * per, b1 = std::min(g.n, b0 + per);
    float* col = grow(scratch.col, static_cast<size_t>(per) * P * K);
    for (int b = b0; b < b1; ++b) im2col(g, x + b * xs, col + static_cast<size_t>(b - b0) * P * K);
    int rows = (b1 - b0) * P;
    gemmBlock(0, rows, 0, g.co, K, Mat{col, K, false}, Mat{f, g.co, false}, y + b0 * ys, g.co, false);
    epilogue(y + b0 * ys, static_cast<size_t>(rows), g.co, bias, act, alpha);
  });
}

// dw[K, co] = Σ_images col(x)ᵀ · dy
void convBackpropFilter(const Conv& g, const float* x, const float* dy, float* dw) {
  const int K = g.K(), P = g.P();
  const size_t xs = static_cast<size_t>(g.h) * g.w * g.c, ys = static_cast<size_t>(P) * g.co;
  const int T = pool->size();
  const size_t wsize = static_cast<size_t>(K) * g.co;
  if (g.pointwise()) {
    gemm(K, g.co, g.n * P, Mat{x, K, true}, Mat{dy, g.co, false}, dw, g.co, false);
    return;
  }
  const int per = std::max(1, std::min(imagesPerTask(g), (g.n + T - 1) / T));
  const int tasks = (g.n + per - 1) / per;
  std::vector<std::vector<float>> partial(T);
  std::vector<char> used(T, 0);
  pool->run(tasks, [&](int t, int worker) {
    int b0 = t * per, b1 = std::min(g.n, b0 + per);
    std::vector<float>& acc = partial[worker];
    if (!used[worker]) {
      acc.assign(wsize, 0.f);
      used[worker] = 1;
    }
    float* col = grow(scratch.col, static_cast<size_t>(per) * P * K);
    for (int b = b0; b < b1; ++b) im2col(g, x + b * xs, col + static_cast<size_t>(b - b0) * P * K);
    gemmBlock(0, K, 0, g.co, (b1 - b0) * P, Mat{col, K, true}, Mat{dy + b0 * ys, g.co, false}, acc.data(), g.co, true);
  });
  std::fill(dw, dw + wsize, 0.f);
  for (int t = 0; t < T; ++t) {
    if (!used[t]) continue;
    const float* p = partial[t].data();
    for (size_t i = 0; i < wsize; ++i) dw[i] += p[i];
  }
}

// dx = col2im(dy · fᵀ)
void convBackpropInput(const Conv& g, const float* dy, const float* f, float* dx) {
  const int K = g.K(), P = g.P();
  const size_t xs = static_cast<size_t>(g.h) * g.w * g.c, ys = static_cast<size_t>(P) * g.co;
  if (g.pointwise()) {
    gemm(g.n * P, K, g.co, Mat{dy, g.co, false}, Mat{f, g.co, true}, dx, K, false);
    return;
  }
  const int per = imagesPerTask(g);
  const int tasks = (g.n + per - 1) / per;
  pool->run(tasks, [&](int t, int) {
    int b0 = t * per, b1 = std::min(g.n, b0 + per);
    float* dcol = grow(scratch.col, static_cast<size_t>(per) * P * K);
    int rows = (b1 - b0) * P;
    gemmBlock(0, rows, 0, K, g.co, Mat{dy + b0 * ys, g.co, false}, Mat{f, g.co, true}, dcol, K, false);
    std::memset(dx + b0 * xs, 0, sizeof(float) * xs * (b1 - b0));
    for (int b = b0; b < b1; ++b) col2im(g, dcol + static_cast<size_t>(b - b0) * P * K, dx + b * xs);
  });
}

// ---------------------------------------------------------------------------------------------
// Max pooling, NHWC; windows skip padded positions. The gradient goes to each window's first
// maximum in row-major window order (strictly greater wins), as the cpu backend does.
struct PoolG {
  int n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, top, left;
};

void maxPool(const PoolG& g, const float* x, float* y) {
  const size_t xs = static_cast<size_t>(g.h) * g.w * g.c;
  pool->run(g.n, [&](int b, int) {
    const float* xb = x + b * xs;
    float* yb = y + static_cast<size_t>(b) * g.oh * g.ow * g.c;
    for (int oy = 0; oy < g.oh; ++oy) {
      for (int ox = 0; ox < g.ow; ++ox) {
        float* o = yb + (static_cast<size_t>(oy) * g.ow + ox) * g.c;
        for (int ci = 0; ci < g.c; ++ci) o[ci] = -INFINITY;
        for (int ky = 0; ky < g.kh; ++ky) {
          int iy = oy * g.sh - g.top + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (int kx = 0; kx < g.kw; ++kx) {
            int ix = ox * g.sw - g.left + kx * g.dw;
            if (ix < 0 || ix >= g.w) continue;
            const float* p = xb + (static_cast<size_t>(iy) * g.w + ix) * g.c;
            for (int ci = 0; ci < g.c; ++ci) o[ci] = p[ci] > o[ci] ? p[ci] : o[ci];
          }
        }
      }
    }
  });
}

// o[i] = d[i] where first[i] == pos, else 0 (restrict: so that it vectorises).
inline void routeGradient(float* __restrict o, const float* __restrict d, const int* __restrict first, int pos, int n) {
  for (int i = 0; i < n; ++i) o[i] = first[i] == pos ? d[i] : 0.f;
}

// Windows that do not overlap (the usual 2×2 pool of stride 2): each input element belongs to at
// most one window, so dx is written once, window by window, in channel blocks the compiler
// vectorises: the maximum first, then the first position holding it.
void maxPoolGradDisjoint(const PoolG& g, const float* dy, const float* x, float* dx) {
  const size_t xs = static_cast<size_t>(g.h) * g.w * g.c;
  constexpr int CB = 64;
  pool->run(g.n, [&](int b, int) {
    const float* xb = x + b * xs;
    float* dxb = dx + b * xs;
    const float* dyb = dy + static_cast<size_t>(b) * g.oh * g.ow * g.c;
    std::memset(dxb, 0, sizeof(float) * xs);
    float best[CB];
    int first[CB];
    for (int oy = 0; oy < g.oh; ++oy) {
      const int y0 = std::max(0, oy * g.sh - g.top), y1 = std::min(g.h, oy * g.sh - g.top + g.kh);
      for (int ox = 0; ox < g.ow; ++ox) {
        const int x0 = std::max(0, ox * g.sw - g.left), x1 = std::min(g.w, ox * g.sw - g.left + g.kw);
        const float* d = dyb + (static_cast<size_t>(oy) * g.ow + ox) * g.c;
        for (int c0 = 0; c0 < g.c; c0 += CB) {
          const int cb = std::min(CB, g.c - c0);
          for (int ci = 0; ci < cb; ++ci) best[ci] = -INFINITY;
          for (int iy = y0; iy < y1; ++iy)
            for (int ix = x0; ix < x1; ++ix) {
              const float* p = xb + (static_cast<size_t>(iy) * g.w + ix) * g.c + c0;
              for (int ci = 0; ci < cb; ++ci) best[ci] = p[ci] > best[ci] ? p[ci] : best[ci];
            }
          // The first position holding the maximum: scan backwards, the last match wins.
          // (Plain selects, which the compiler vectorises; a window of -inf only gets none.)
          int pos = (y1 - y0) * (x1 - x0);
          for (int ci = 0; ci < cb; ++ci) first[ci] = -1;
          for (int iy = y1 - 1; iy >= y0; --iy)
            for (int ix = x1 - 1; ix >= x0; --ix) {
              --pos;
              const float* p = xb + (static_cast<size_t>(iy) * g.w + ix) * g.c + c0;
              for (int ci = 0; ci < cb; ++ci) first[ci] = p[ci] == best[ci] ? pos : first[ci];
            }
          for (int ci = 0; ci < cb; ++ci) first[ci] = best[ci] > -INFINITY ? first[ci] : -1;
          for (int iy = y0; iy < y1; ++iy)
            for (int ix = x0; ix < x1; ++ix, ++pos) {
              routeGradient(dxb + (static_cast<size_t>(iy) * g.w + ix) * g.c + c0, d + c0, first, pos, cb);
            }
        }
      }
    }
  });
}

void maxPoolGrad(const PoolG& g, const float* dy, const float* x, float* dx) {
  if (g.dh == 1 && g.dw == 1 && g.sh >= g.kh && g.sw >= g.kw) {
    maxPoolGradDisjoint(g, dy, x, dx);
    return;
  }
  const size_t xs = static_cast<size_t>(g.h) * g.w * g.c;
  pool->run(g.n, [&](int b, int) {
    const float* xb = x + b * xs;
    float* dxb = dx + b * xs;
    const float* dyb = dy + static_cast<size_t>(b) * g.oh * g.ow * g.c;
    std::memset(dxb, 0, sizeof(float) * xs);
    std::vector<float> best(g.c);
    std::vector<int> where(g.c);
    for (int oy = 0; oy < g.oh; ++oy) {
      for (int ox = 0; ox < g.ow; ++ox) {
        std::fill(best.begin(), best.end(), -INFINITY);
        std::fill(where.begin(), where.end(), -1);
        for (int ky = 0; ky < g.kh; ++ky) {
          int iy = oy * g.sh - g.top + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (int kx = 0; kx < g.kw; ++kx) {
            int ix = ox * g.sw - g.left + kx * g.dw;
            if (ix < 0 || ix >= g.w) continue;
            int pos = (iy * g.w + ix) * g.c;
            const float* p = xb + pos;
            for (int ci = 0; ci < g.c; ++ci) {
              bool more = p[ci] > best[ci];
              best[ci] = more ? p[ci] : best[ci];
              where[ci] = more ? pos + ci : where[ci];
            }
          }
        }
        const float* d = dyb + (static_cast<size_t>(oy) * g.ow + ox) * g.c;
        for (int ci = 0; ci < g.c; ++ci) {
          if (where[ci] >= 0) dxb[where[ci]] += d[ci];
        }
      }
    }
  });
}


// ---------------------------------------------------------------------------------------------
// N-API glue.
#define CHECK(call)                                                     \
  do {                                                                  \
    if ((call) != napi_ok) {                                            \
      napi_throw_error(env, "AUTONAS_NATIVE", "autonas native: " #call " failed"); \
      return nullptr;                                                   \
    }                                                                   \
  } while (0)

struct Args {
  uint8_t* heap = nullptr;
  size_t heapBytes = 0;
  const int32_t* ints = nullptr;
  size_t nints = 0;
  std::vector<double> offsets;  // byte offsets into the heap, -1 for none
  double extra = 0;
};

// (heap: ArrayBuffer, ints: Int32Array, offsets: Float64Array[, extra: number])
bool readArgs(napi_env env, napi_callback_info info, Args& out, size_t noffsets) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 3) {
    napi_throw_type_error(env, "AUTONAS_NATIVE", "autonas native: expected (heap, ints, offsets[, extra])");
    return false;
  }
  void* data = nullptr;
  if (napi_get_arraybuffer_info(env, argv[0], &data, &out.heapBytes) != napi_ok) {
    napi_throw_type_error(env, "AUTONAS_NATIVE", "autonas native: the heap must be an ArrayBuffer");
    return false;
  }
  out.heap = static_cast<uint8_t*>(data);
  napi_typedarray_type type;
  size_t length;
  void* tdata;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &tdata, &ab, &off) != napi_ok || type != napi_int32_array) {
    napi_throw_type_error(env, "AUTONAS_NATIVE", "autonas native: ints must be an Int32Array");
    return false;
  }
  out.ints = static_cast<const int32_t*>(tdata);
  out.nints = length;
  if (napi_get_typedarray_info(env, argv[2], &type, &length, &tdata, &ab, &off) != napi_ok || type != napi_float64_array ||
      length != noffsets) {
    napi_throw_type_error(env, "AUTONAS_NATIVE", "autonas native: offsets must be a Float64Array of the right length");
    return false;
  }
  const double* o = static_cast<const double*>(tdata);
  out.offsets.assign(o, o + length);
  if (argc > 3) napi_get_value_double(env, argv[3], &out.extra);
  return true;
}

// The float pointer at byte offset `i` of the heap, checking `count` floats fit (nullptr for -1).
bool ptrAt(napi_env env, const Args& a, int i, size_t count, float** p) {
  double off = a.offsets[i];
  if (off < 0) {
    *p = nullptr;
    return true;
  }
  size_t o = static_cast<size_t>(off);
  if (o % 4 != 0 || o + count * 4 > a.heapBytes) {
    napi_throw_range_error(env, "AUTONAS_NATIVE", "autonas native: a tensor lies outside the heap");
    return false;
  }
  *p = reinterpret_cast<float*>(a.heap + o);
  return true;
}

bool readConv(napi_env env, const Args& a, Conv& g) {
  if (a.nints < 15) {
    napi_throw_type_error(env, "AUTONAS_NATIVE", "autonas native: convolution geometry needs 15 ints");
    return false;
  }
  const int32_t* v = a.ints;
  g = Conv{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
  for (int i = 0; i < 15; ++i) {
    if (v[i] < 0 || (i < 13 && i != 7 && i != 8 && v[i] == 0)) {
      napi_throw_range_error(env, "AUTONAS_NATIVE", "autonas native: invalid convolution geometry");
      return false;
    }
  }
  return true;
}

size_t sz(size_t a, size_t b, size_t c, size_t d) { return a * b * c * d; }

// conv2d(heap, geometry[15 + act], [x, filter, bias, y], alpha)
napi_value Conv2D(napi_env env, napi_callback_info info) {
  Args a;
  Conv g;
  if (!readArgs(env, info, a, 4) || !readConv(env, a, g)) return nullptr;
  int act = a.nints > 15 ? a.ints[15] : kLinear;
  float *x, *f, *bias, *y;
  if (!ptrAt(env, a, 0, sz(g.n, g.h, g.w, g.c), &x) || !ptrAt(env, a, 1, sz(g.kh, g.kw, g.c, g.co), &f) ||
      !ptrAt(env, a, 2, g.co, &bias) || !ptrAt(env, a, 3, sz(g.n, g.oh, g.ow, g.co), &y))
    return nullptr;
  convForward(g, x, f, bias, y, act, static_cast<float>(a.extra));
  return nullptr;
}

// conv2dBackpropFilter(heap, geometry, [x, dy, dw])
napi_value Conv2DBackpropFilter(napi_env env, napi_callback_info info) {
  Args a;
  Conv g;
  if (!readArgs(env, info, a, 3) || !readConv(env, a, g)) return nullptr;
  float *x, *dy, *dw;
  if (!ptrAt(env, a, 0, sz(g.n, g.h, g.w, g.c), &x) || !ptrAt(env, a, 1, sz(g.n, g.oh, g.ow, g.co), &dy) ||
      !ptrAt(env, a, 2, sz(g.kh, g.kw, g.c, g.co), &dw))
    return nullptr;
  convBackpropFilter(g, x, dy, dw);
  return nullptr;
}

// conv2dBackpropInput(heap, geometry, [dy, filter, dx])
napi_value Conv2DBackpropInput(napi_env env, napi_callback_info info) {
  Args a;
  Conv g;
  if (!readArgs(env, info, a, 3) || !readConv(env, a, g)) return nullptr;
  float *dy, *f, *dx;
  if (!ptrAt(env, a, 0, sz(g.n, g.oh, g.ow, g.co), &dy) || !ptrAt(env, a, 1, sz(g.kh, g.kw, g.c, g.co), &f) ||
      !ptrAt(env, a, 2, sz(g.n, g.h, g.w, g.c), &dx))
    return nullptr;
  convBackpropInput(g, dy, f, dx);
  return nullptr;
}

bool readPool(napi_env env, const Args& a, PoolG& g) {
  if (a.nints < 14) {
    napi_throw_type_error(env, "AUTONAS_NATIVE", "autonas native: pooling geometry needs 14 ints");
    return false;
  }
  const int32_t* v = a.ints;
  g = PoolG{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]};
  for (int i = 0; i < 14; ++i) {
    if (v[i] < 0 || (i >= 6 && i < 12 && v[i] == 0)) {
      napi_throw_range_error(env, "AUTONAS_NATIVE", "autonas native: invalid pooling geometry");
      return false;
    }
  }
  return true;
}

// maxPool(heap, geometry[14], [x, y])
napi_value MaxPool(napi_env env, napi_callback_info info) {
  Args a;
  PoolG g;
  if (!readArgs(env, info, a, 2) || !readPool(env, a, g)) return nullptr;
  float *x, *y;
  if (!ptrAt(env, a, 0, sz(g.n, g.h, g.w, g.c), &x) || !ptrAt(env, a, 1, sz(g.n, g.oh, g.ow, g.c), &y)) return nullptr;
  maxPool(g, x, y);
  return nullptr;
}

// maxPoolGrad(heap, geometry[14], [dy, x, dx])
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  Args a;
  PoolG g;
  if (!readArgs(env, info, a, 3) || !readPool(env, a, g)) return nullptr;
  float *dy, *x, *dx;
  if (!ptrAt(env, a, 0, sz(g.n, g.oh, g.ow, g.c), &dy) || !ptrAt(env, a, 1, sz(g.n, g.h, g.w, g.c), &x) ||
      !ptrAt(env, a, 2, sz(g.n, g.h, g.w, g.c), &dx))
    return nullptr;
  maxPoolGrad(g, dy, x, dx);
  return nullptr;
}

// matMul(heap, [batchA, batchB, m, n, k, transA, transB, act], [a, b, bias, out], alpha):
// out[batch, m, n] = op(a)·op(b) (+ bias over n, then the activation); a batch of 1 broadcasts.
napi_value MatMul(napi_env env, napi_callback_info info) {
  Args a;
  if (!readArgs(env, info, a, 4)) return nullptr;
  if (a.nints < 8) {
    napi_throw_type_error(env, "AUTONAS_NATIVE", "autonas native: matMul needs 8 ints");
    return nullptr;
  }
  const int32_t* v = a.ints;
  int ba = v[0], bb = v[1], m = v[2], n = v[3], k = v[4];
  bool ta = v[5] != 0, tb = v[6] != 0;
  int act = v[7];
  if (ba <= 0 || bb <= 0 || m < 0 || n < 0 || k < 0 || (ba != bb && ba != 1 && bb != 1)) {
    napi_throw_range_error(env, "AUTONAS_NATIVE", "autonas native: invalid matMul shapes");
    return nullptr;
  }
  int batch = std::max(ba, bb);
  float *pa, *pb, *bias, *out;
  if (!ptrAt(env, a, 0, sz(ba, m, k, 1), &pa) || !ptrAt(env, a, 1, sz(bb, k, n, 1), &pb) || !ptrAt(env, a, 2, n, &bias) ||
      !ptrAt(env, a, 3, sz(batch, m, n, 1), &out))
    return nullptr;
  for (int i = 0; i < batch; ++i) {
    const float* ai = pa + (ba == 1 ? 0 : static_cast<size_t>(i) * m * k);
    const float* bi = pb + (bb == 1 ? 0 : static_cast<size_t>(i) * k * n);
    float* oi = out + static_cast<size_t>(i) * m * n;
    gemm(m, n, k, Mat{ai, ta ? m : k, ta}, Mat{bi, tb ? k : n, tb}, oi, n, false);
    if (bias != nullptr || act != kLinear) epilogue(oi, static_cast<size_t>(m), n, bias, act, static_cast<float>(a.extra));
  }
  return nullptr;
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  int32_t n = 1;
  if (argc > 0) CHECK(napi_get_value_int32(env, argv[0], &n));
  n = std::max(1, std::min(n, 256));
  pool->resize(n);
  napi_value r;
  CHECK(napi_create_int32(env, pool->size(), &r));
  return r;
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, threads, isa, hw;
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_int32(env, pool->size(), &threads));
  CHECK(napi_create_string_utf8(env, kIsa, NAPI_AUTO_LENGTH, &isa));
  CHECK(napi_create_int32(env, static_cast<int32_t>(std::thread::hardware_concurrency()), &hw));
  CHECK(napi_set_named_property(env, obj, "threads", threads));
  CHECK(napi_set_named_property(env, obj, "isa", isa));
  CHECK(napi_set_named_property(env, obj, "hardwareThreads", hw));
  return obj;
}

napi_value Init(napi_env env, napi_value exports) {
  if (pool == nullptr) {
    unsigned hw = std::thread::hardware_concurrency();
    pool = new Pool(hw == 0 ? 1 : static_cast<int>(hw));
  }
  napi_property_descriptor props[] = {
      {"conv2d", nullptr, Conv2D, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropFilter", nullptr, Conv2DBackpropFilter, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropInput", nullptr, Conv2DBackpropInput, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPool", nullptr, MaxPool, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolGrad", nullptr, MaxPoolGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matMul", nullptr, MatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return nullptr;
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
