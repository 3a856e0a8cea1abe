/** Lowerings of the linalg op family; each file calls registerLowerings for its ops. */
export {};
