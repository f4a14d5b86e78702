-- wrk script for POST /order through the local gateway: every request creates a new order with a unique id.
local counter = 0
local threads = {}

function setup(thread)
    thread:set("thread_id", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    run = args[1] or tostring(os.time())
end

local address = '{"line1":"Calle Mayor 1","city":"Madrid","country":"ES"}'

function request()
    counter = counter + 1
    local id = string.format("B%s-%d-%d", run, thread_id, counter)
    local body = string.format(
        '{"id":"%s","order_lines":[{"sku":"SKU-1","price":10,"quantity":2}],"shipping_address":%s,"billing_address":%s}',
        id, address, address)
    -- Headers given here replace wrk's own (-H, the token): they are copied in.
    local headers = { ["Content-Type"] = "application/json" }
    for name, value in pairs(wrk.headers) do
        headers[name] = headers[name] or value
    end
    return wrk.format("POST", "/order", headers, body)
end
