/* SPDX-License-Identifier: MIT */
/*
 * The probability behind the analytic estimates (estimator.h, MS_MODEL_ANALYTIC):
 * Poisson and binomial distributions of how many keys share a bucket or a hash
 * prefix, and the fluid model of incremental evacuation. The estimators turn
 * them into a few weighted outcomes (struct ms_tally each) that the registry
 * averages like simulated seeds.
 */
#include <math.h>

#include "estimator.h"

void ms_pois_moments(double mu, unsigned per, struct ms_pois_moments *ret)
{
	/* f(c) = ceil(c / per) - 1 for c >= 1: the overflow buckets of a chain of c */
	double p = exp(-mu), ef = 0, ef2 = 0, ecf = 0;
	uint64_t kmax = (uint64_t)(mu + 20 * sqrt(mu) + 60);

	for (uint64_t k = 1; k <= kmax; k++) {
		double f;

		p *= mu / (double)k;
		f = (double)((k - 1) / per);
		ef += p * f;
		ef2 += p * f * f;
		ecf += p * (double)k * f;
	}
	ret->mean = ef;
	/* the variance of a sum over buckets whose total count is fixed (multinomial):
	 * Var f - Cov(f, c)^2 / Var c, with Var c = mu */
	ret->var = ef2 - ef * ef;
	if (mu > 0)
		ret->var -= (ecf - mu * ef) * (ecf - mu * ef) / mu;
	if (ret->var < 0)
		ret->var = 0;
}

/* log P(X = k) for X ~ Binomial(n, q), 0 < q < 1, k <= n */
static double log_binom_pmf(double n, double q, uint64_t k)
{
	double l = -lgamma((double)k + 1) + (double)k * log(q) + (n - (double)k) * log1p(-q);

	/* log n!/(n-k)! summed, not lgamma(n+1)-lgamma(n-k+1): n goes to 2^40 */
	for (uint64_t i = 0; i < k; i++)
		l += log(n - (double)i);
	return l;
}

double ms_binom_pmf(double n, double q, uint64_t k)
{
	if ((double)k > n)
		return 0;
	if (q >= 1)
		return (double)k == n ? 1 : 0;
	if (q <= 0)
		return k == 0 ? 1 : 0;
	return exp(log_binom_pmf(n, q, k));
}

double ms_binom_tail_gt(double n, double q, uint64_t K)
{
	double mean = n * q, sum = 0, p;

	if ((double)K >= n)
		return 0;
	if (q >= 1)
		return 1;
	if (q <= 0)
		return 0;
	if (mean <= (double)K) {
		/* sum upward from K+1: the terms only shrink */
		p = ms_binom_pmf(n, q, K + 1);
		for (uint64_t k = K + 1; p > 0 && (double)k <= n; k++) {
			sum += p;
			if (p < sum * 1e-17)
				break;
			p *= (n - (double)k) / (double)(k + 1) * q / (1 - q);
		}
		return sum > 1 ? 1 : sum;
	}
	/* 1 - P(X <= K), summed downward from K: the terms only shrink */
	p = ms_binom_pmf(n, q, K);
	for (uint64_t k = K;; k--) {
		sum += p;
		if (k == 0 || p < sum * 1e-17)
			break;
		p *= (double)k / (n - (double)k + 1) * (1 - q) / q;
	}
	return sum >= 1 ? 0 : 1 - sum;
}

/*
 * Incremental evacuation of N old buckets (growWork): each insert evacuates the
 * old bucket it hashes to and the one at nevacuate, so U, the buckets left,
 * follows dU/dj = -1 - U/N: U = N(2e^-x - 1) at x = j/N, done at x = ln 2.
 * Its fluctuation (linear noise: dv/dx = -2v + N u(1-u), u = U/N) gives the
 * spread of the evacuated count and of the moment growth ends.
 */
double ms_evac_var_per_bucket(double x)
{
	double w = 0, dx = 1.0 / 4096, end = x < M_LN2 ? x : M_LN2;

	for (double t = 0; t < end; t += dx) {
		double h = t + dx > end ? end - t : dx, u = 2 * exp(-(t + h / 2)) - 1;

		w += h * (-2 * w + u * (1 - u));
	}
	return w;
}

double ms_normal_cdf(double z)
{
	return 0.5 * erfc(-z / M_SQRT2);
}

const double ms_gh3_z[3] = {-1.7320508075688772, 0, 1.7320508075688772};
const double ms_gh3_w[3] = {1.0 / 6, 2.0 / 3, 1.0 / 6};
