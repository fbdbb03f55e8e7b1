// Below this many values a loop runs on one thread: waking the OpenMP team
// costs more than the loop (and on a loaded machine far more), which shows
// on the small grids used in tests and on the coarse U-Net levels.
#ifndef NN_OMP_WORK_H
#define NN_OMP_WORK_H

#define NN_OMP_MIN_WORK 32768

#endif
