/** The random instruction generator lives with the benchmark (bench/asmgen.ts). */
export { Gen, Rng } from '../../bench/asmgen';
