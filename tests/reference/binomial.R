# Reference values for oncotrial.stats binomial_ci / binomial_test from R's
# binom.test (Clopper-Pearson interval, exact p-values) and prop.test with
# correct = FALSE (Wilson score interval).
# Run from the repository root:  Rscript tests/reference/binomial.R
source("tests/reference/_json.R")

cases <- list()
grid <- list(
  c(0, 1), c(1, 1), c(0, 10), c(10, 10), c(1, 10), c(3, 20), c(7, 20), c(8, 20),
  c(13, 43), c(0, 43), c(43, 43), c(21, 43), c(5, 100), c(50, 100), c(99, 100), c(120, 500)
)
for (xn in grid) {
  x <- xn[1]; n <- xn[2]
  for (p0 in c(0.05, 0.2, 0.3, 0.5, 0.8)) {
    for (level in c(0.9, 0.95, 0.99)) {
      two <- binom.test(x, n, p0, alternative = "two.sided", conf.level = level)
      wil <- suppressWarnings(prop.test(x, n, correct = FALSE, conf.level = level))
      cases[[length(cases) + 1]] <- list(
        x = s(x), n = s(n), p0 = s(p0), level = s(level),
        cp_low = s(two$conf.int[1]), cp_high = s(two$conf.int[2]),
        wilson_low = s(wil$conf.int[1]), wilson_high = s(wil$conf.int[2]),
        p_greater = s(binom.test(x, n, p0, alternative = "greater")$p.value),
        p_less = s(binom.test(x, n, p0, alternative = "less")$p.value),
        p_two_sided = s(two$p.value)
      )
    }
  }
}
write_json(list(
  r_version = s(R.version.string),
  script = s("tests/reference/binomial.R"),
  calls = s("binom.test(x, n, p0, alternative, conf.level); prop.test(x, n, correct = FALSE, conf.level)"),
  cases = cases
), "tests/reference/binomial.json")
