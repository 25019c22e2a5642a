// The world's per-slot optimum and association baselines (docs/MODEL.md "The optimum of a world"), float64.
export { solveServer, userDual, SOLVER_ITERATIONS, type ServerPrices, type ServerProblem, type ServerSolution, type SolverIterations } from './server.js';
export { associationBaseline, associationLowerBound, finishAssociation, INACTIVE, optWorldAction, worldOpt, ENUMERATION_LIMIT, LAGRANGIAN_STEPS, MOVE_CANDIDATES, MOVE_PASSES, SEARCH_MOVE_PASSES, SEARCH_ROUNDS, SWAP_PARTNER_SERVERS, type AssociationRule, type SlotOptimum } from './slot.js';
