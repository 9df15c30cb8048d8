# idle shells end after 10 minutes (MLPS 8.1.4.1 b)
TMOUT=600
readonly TMOUT
export TMOUT
