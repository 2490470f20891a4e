-- What the world knows about each employer and the platform does not: its planted effect on
-- the wages of everyone it employs (the employer effect of the AKM model), to set beside any
-- estimate of it. The truth alone.
SELECT company_id, wage_effect
FROM {{ source('truth', 'employers') }}
