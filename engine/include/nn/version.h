// The engine's numeric version: bumped by any change that alters what a
// model computes (a kernel's rounding order, an initializer, a loss, the
// optimizer's update, the phantom's draws). It is part of every job's
// content key (docs/runner.md), so a grown study reruns what such a change
// touches instead of mixing numbers from two engines.
#ifndef NN_VERSION_H
#define NN_VERSION_H

#define NN_NUMERIC_VERSION 1

#endif
