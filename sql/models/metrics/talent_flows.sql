-- Flows of the workplace: where people work on two consecutive 1 Januaries.
WITH {{ city_flows(ref('location_panel')) }}
