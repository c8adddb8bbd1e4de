# Reference values for oncotrial.stats Kaplan-Meier, quantile (Brookmeyer-Crowley)
# intervals, landmark survival, numbers at risk, RMST, reverse-KM follow-up,
# log-rank and one-covariate Cox (Efron ties), all from R's survival package.
# Run from the repository root:  Rscript tests/reference/survival.R
suppressMessages(library(survival))
source("tests/reference/_json.R")

# --- the datasets ---------------------------------------------------------------
set.seed(20260101)
rand_n <- 200
rand_time <- ceiling(rexp(rand_n, 1 / 12))           # integer months: many ties
rand_cens <- ceiling(runif(rand_n, 0, 30))
rand_group <- rbinom(rand_n, 1, 0.5)
rand_time <- ceiling(rexp(rand_n, ifelse(rand_group == 1, 1 / 16, 1 / 10)))
rand_obs <- pmin(rand_time, rand_cens)
rand_event <- as.integer(rand_time <= rand_cens)

heavy_time <- round(runif(60, 1, 500))
heavy_event <- rbinom(60, 1, 0.15)
heavy_group <- rep(0:1, 30)

lung2 <- lung[!is.na(lung$status), ]

# Continuous times, all distinct (drawn after the sets above so they stay as they were).
distinct_time <- round(rexp(80, 1 / 10), 4)
while (anyDuplicated(distinct_time)) distinct_time <- round(rexp(80, 1 / 10), 4)
distinct_event <- rbinom(80, 1, 0.7)
distinct_group <- rbinom(80, 1, 0.5)

datasets <- list(
  # Leukaemia remission (survival::aml): small, ties, two arms.
  aml = list(time = aml$time, event = aml$status,
             group = as.integer(aml$x == "Nonmaintained")),
  # survival::lung: 228 patients, heavy ties; group = female.
  lung = list(time = lung2$time, event = as.integer(lung2$status == 2),
              group = as.integer(lung2$sex == 2)),
  # Simulated integer times with many ties (seed above).
  ties = list(time = rand_obs, event = rand_event, group = rand_group),
  # About 85% censored.
  heavy_censoring = list(time = heavy_time, event = heavy_event, group = heavy_group),
  # S(t) reaches exactly 0.5 at t = 4 and stays flat until t = 7.
  flat_at_median = list(time = c(1, 2, 3, 4, 5, 6, 7, 8),
                        event = c(1, 1, 1, 1, 0, 0, 1, 1),
                        group = c(0, 1, 0, 1, 0, 1, 0, 1)),
  # S(t) reaches exactly 0.25 at t = 6 and stays flat until the last time.
  flat_at_end = list(time = c(1, 2, 3, 4, 5, 6, 7, 8),
                     event = c(1, 1, 1, 1, 1, 1, 0, 0)),
  all_censored = list(time = c(3, 5, 5, 8, 13), event = c(0, 0, 0, 0, 0)),
  single_event = list(time = c(7), event = c(1)),
  single_censored = list(time = c(7), event = c(0)),
  # The last time is an event: the curve drops to zero.
  event_at_last = list(time = c(2, 3, 3, 5, 8, 9, 11), event = c(1, 0, 1, 1, 0, 1, 1),
                       group = c(0, 0, 1, 1, 0, 1, 1)),
  # Non-integer times, no ties.
  distinct = list(time = distinct_time, event = distinct_event, group = distinct_group),
  # Tied event and censoring at the same time, censoring before the first event.
  censor_first = list(time = c(1, 2, 2, 3, 4, 5, 5, 6), event = c(0, 1, 1, 0, 1, 0, 1, 1))
)

probs <- c(0.25, 0.5, 0.75)
km_block <- function(d, conf_type, level) {
  f <- survfit(Surv(d$time, d$event) ~ 1, conf.type = conf_type, conf.int = level)
  q <- quantile(f, probs)
  horizon <- max(d$time)
  at_times <- sort(unique(c(0, d$time[1] / 2, quantile(d$time, c(0.1, 0.5, 0.9), type = 1),
                            horizon, horizon + 1)))
  sm <- summary(f, times = at_times, extend = TRUE)
  tau <- as.numeric(quantile(d$time, 0.75, type = 1))
  rm <- survival:::survmean(f, rmean = tau)$matrix
  list(
    conf_type = s(conf_type), level = s(level),
    time = f$time, n_risk = f$n.risk, n_event = f$n.event, n_censor = f$n.censor,
    survival = f$surv, std_err = f$std.err * f$surv, lower = f$lower, upper = f$upper,
    quantile_p = probs, quantile = unname(q$quantile), quantile_lower = unname(q$lower),
    quantile_upper = unname(q$upper),
    at_time = at_times, at_survival = sm$surv, at_std_err = sm$std.err,
    at_lower = sm$lower, at_upper = sm$upper, at_n_risk = sm$n.risk,
    rmst_tau = s(tau), rmst = s(unname(rm["rmean"])), rmst_se = s(unname(rm["se(rmean)"]))
  )
}

out <- list()
for (name in names(datasets)) {
  d <- datasets[[name]]
  entry <- list(time = d$time, event = d$event)
  blocks <- list()
  for (ct in c("log-log", "log", "plain")) blocks[[length(blocks) + 1]] <- km_block(d, ct, 0.95)
  blocks[[length(blocks) + 1]] <- km_block(d, "log-log", 0.90)
  entry$km <- blocks
  # Median follow-up by reverse Kaplan-Meier (censoring is the "event").
  rev_fit <- survfit(Surv(d$time, 1 - d$event) ~ 1, conf.type = "log-log")
  rq <- quantile(rev_fit, 0.5)
  entry$followup <- list(median = s(unname(rq$quantile)), lower = s(unname(rq$lower)),
                         upper = s(unname(rq$upper)))
  if (!is.null(d$group)) {
    entry$group <- d$group
    sd <- survdiff(Surv(d$time, d$event) ~ d$group)
    entry$logrank <- list(chisq = s(sd$chisq),
                          p_value = s(pchisq(sd$chisq, 1, lower.tail = FALSE)),
                          observed = as.numeric(sd$obs), expected = as.numeric(sd$exp))
    cf <- suppressWarnings(coxph(Surv(d$time, d$event) ~ d$group, ties = "efron",
                                 control = coxph.control(eps = 1e-14, toler.chol = 1e-15, iter.max = 100)))
    entry$cox <- list(coef = s(unname(coef(cf))), se = s(unname(sqrt(vcov(cf)[1, 1]))),
                      loglik = cf$loglik, score = s(unname(cf$score)),
                      wald_p = s(unname(summary(cf)$coefficients[1, 5])))
  }
  out[[name]] <- entry
}

write_json(list(
  r_version = s(R.version.string),
  survival_version = s(as.character(packageVersion("survival"))),
  script = s("tests/reference/survival.R"),
  calls = s(paste("survfit(Surv(time, event) ~ 1, conf.type, conf.int); quantile.survfit;",
                  "summary(fit, times, extend = TRUE); survival:::survmean(fit, rmean = tau);",
                  "survdiff; coxph(ties = 'efron', eps = 1e-14)")),
  datasets = out
), "tests/reference/survival.json")
