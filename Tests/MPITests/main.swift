import MPI
withMPI { world in print(world.rank) }
