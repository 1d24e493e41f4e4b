import PLAtlasCore
print(platlasVersion)
