# Independent baseline for `npm run bench:portfolio`: R's quadprog (Goldfarb-Idnani, Fortran) on the
# min-volatility problems. Usage: Rscript bench/portfolio-quadprog.R problems.json  (prints JSON lines)
suppressMessages(library(quadprog))
args <- commandArgs(trailingOnly = TRUE)
# No JSON package needed: the Node side writes one problem per line: id n reps lo hi cov(row-major)...
lines <- readLines(args[1], warn = FALSE)
for (line in lines) {
  parts <- strsplit(line, " ")[[1]]
  id <- parts[1]; n <- as.integer(parts[2]); reps <- as.integer(parts[3]); lo <- as.numeric(parts[4]); hi <- as.numeric(parts[5])
  cov <- matrix(as.numeric(parts[6:(5 + n * n)]), n, n, byrow = TRUE)
  Amat <- cbind(rep(1, n), diag(n), -diag(n))
  bvec <- c(1, rep(lo, n), rep(-hi, n))
  # proc.time() has millisecond resolution: time the whole batch and report the mean per solve.
  t0 <- proc.time()[["elapsed"]]
  for (r in seq_len(reps)) sol <- solve.QP(2 * cov, rep(0, n), Amat, bvec, meq = 1)
  mean_ms <- (proc.time()[["elapsed"]] - t0) * 1000 / reps
  cat(id, paste(sprintf("%.17g", sol$solution), collapse = ","), sprintf("%.6f", mean_ms), "\n")
}
