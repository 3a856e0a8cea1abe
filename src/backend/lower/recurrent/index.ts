/** Lowerings of the recurrent op family; each file calls registerLowerings for its ops. */
export {};
