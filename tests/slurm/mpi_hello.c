// A two-line MPI program for the Slurm smoke test: every rank reports its
// rank, the world size and its host, and rank 0 checks with a reduction that
// the ranks really talk to each other (sum of ranks = n(n-1)/2).
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 0, len = 0, sum = 0;
  char host[MPI_MAX_PROCESSOR_NAME];
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Get_processor_name(host, &len);
  MPI_Reduce(&rank, &sum, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
  printf("hello rank %d of %d on %s\n", rank, size, host);
  int ok = 1;
  if (rank == 0) {
    ok = sum == size * (size - 1) / 2;
    printf("reduce %s: sum of ranks %d\n", ok ? "ok" : "WRONG", sum);
  }
  MPI_Finalize();
  return ok ? 0 : 1;
}
