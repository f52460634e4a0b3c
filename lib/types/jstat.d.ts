/**
 * The part of jstat (https://github.com/jstat/jstat, MIT) that berserkr calls:
 * the standard normal's and Student's t's CDF and inverse CDF. jstat ships no
 * type declarations.
 */
declare module 'jstat' {
  export const jStat: {
    normal: {
      /** P(X ≤ x) for X ~ N(mean, sd²). */
      cdf(x: number, mean: number, sd: number): number;
      /** The p-quantile of N(mean, sd²). */
      inv(p: number, mean: number, sd: number): number;
    };
    studentt: {
      /** P(T ≤ x) for T of Student's t with dof degrees of freedom. */
      cdf(x: number, dof: number): number;
      /** The p-quantile of Student's t with dof degrees of freedom. */
      inv(p: number, dof: number): number;
    };
  };
}
